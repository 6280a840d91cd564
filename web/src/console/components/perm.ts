// What the signed-in user's roles allow (docs/API.md, "Roles, permissions and scope").
import { hasRole } from '../../shared/session'

export const canWriteRegistry = () => hasRole('admin', 'community_staff', 'grid_worker')
export const canSeePersonal = () => hasRole('admin', 'community_staff', 'grid_worker')
export const canWriteAreas = () => hasRole('admin', 'district_official', 'street_official', 'community_staff')
export const canReadHealth = () =>
  hasRole('admin', 'district_official', 'street_official', 'community_staff', 'grid_worker', 'expert')
/** read_areas: everyone but residents (warnings, the event stream). */
export const canReadAreas = () =>
  hasRole('admin', 'district_official', 'street_official', 'community_staff', 'grid_worker', 'expert',
    'property_company', 'social_org', 'enterprise', 'volunteer')
/** issue_warnings: issue, release, close and cancel warnings. */
export const canIssueWarnings = () => hasRole('admin', 'district_official', 'street_official', 'community_staff')
/** respond_warnings: acknowledge and handle warnings. */
export const canRespondWarnings = () =>
  hasRole('admin', 'district_official', 'street_official', 'community_staff', 'grid_worker')

export const TAGS = [
  'elderly_alone', 'elderly', 'disabled', 'chronic_illness', 'pregnant', 'child',
  'tenant', 'migrant', 'party_member', 'volunteer', 'low_income', 'veteran',
] as const
export const RELATIONS = ['head', 'spouse', 'child', 'parent', 'grandchild', 'grandparent', 'sibling', 'tenant', 'other'] as const
export const DOCUMENT_TYPES = ['resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent', 'other'] as const

/** Age in whole years from a YYYY-MM-DD birth date. */
export function age(birth: string | null): number | null {
  if (!birth) return null
  const [y, m, d] = birth.split('-').map(Number)
  const now = new Date()
  let a = now.getFullYear() - y
  if (now.getMonth() + 1 < m || (now.getMonth() + 1 === m && now.getDate() < d)) a--
  return a
}
