// Personal identifiers: GB 11643-1999 resident identity numbers, phone numbers,
// and how each is masked for roles that may not see it (shared/DOMAIN.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace firstline::core {

/// Kinds of identity document a resident or visitor may hold.
enum class DocumentType { resident_id, passport, hk_macao_permit, taiwan_permit, foreign_permanent, other };
std::string_view document_type_key(DocumentType t);
std::optional<DocumentType> parse_document_type(std::string_view key);

/// The check character ('0'..'9' or 'X') for the first 17 digits.
char id_number_check_char(std::string_view first17);

/// Validates an 18-character resident identity number: digits, a real birth
/// date not after `today`, and the check character (lower-case x accepted).
/// On success returns the normalized number (upper-case X).
/// Fails with invalid on `field`.
Result<std::string> validate_id_number(std::string_view number, Date today, std::string_view field = "id_number");

/// Birth date and sex ('M'/'F') encoded in a valid identity number.
Date id_number_birth_date(std::string_view valid_number);
char id_number_sex(std::string_view valid_number);

/// Validates a document number of another type: 4–32 printable ASCII letters/digits/'-'.
Result<std::string> validate_document_number(std::string_view number, std::string_view field = "id_number");

/// Validates a phone number: a mainland mobile (11 digits starting with 1) or a
/// landline/international number of 5–20 digits with optional '+', '-', spaces.
/// Returns it with spaces removed.
Result<std::string> validate_phone(std::string_view phone, std::string_view field = "phone");

/// "110105********002X": the first 6 and last 4 characters kept.
std::string mask_id_number(std::string_view number);
/// "138****1234": the first 3 and last 4 digits kept.
std::string mask_phone(std::string_view phone);

}  // namespace firstline::core
