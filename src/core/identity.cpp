#include "core/identity.hpp"

#include <array>

namespace firstline::core {

std::string_view document_type_key(DocumentType t) {
  switch (t) {
    case DocumentType::resident_id: return "resident_id";
    case DocumentType::passport: return "passport";
    case DocumentType::hk_macao_permit: return "hk_macao_permit";
    case DocumentType::taiwan_permit: return "taiwan_permit";
    case DocumentType::foreign_permanent: return "foreign_permanent";
    case DocumentType::other: return "other";
  }
  return "other";
}

std::optional<DocumentType> parse_document_type(std::string_view key) {
  for (auto t : {DocumentType::resident_id, DocumentType::passport, DocumentType::hk_macao_permit,
                 DocumentType::taiwan_permit, DocumentType::foreign_permanent, DocumentType::other}) {
    if (document_type_key(t) == key) return t;
  }
  return std::nullopt;
}

char id_number_check_char(std::string_view first17) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kCheck = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[static_cast<size_t>(sum % 11)];
}

Result<std::string> validate_id_number(std::string_view number, Date today, std::string_view field) {
  const std::string f(field);
  if (number.size() != 18) return invalid(f, "an identity number has 18 characters");
  for (size_t i = 0; i < 17; ++i) {
    if (number[i] < '0' || number[i] > '9') return invalid(f, "the first 17 characters of an identity number are digits");
  }
  char last = number[17];
  if (last == 'x') last = 'X';
  if (!((last >= '0' && last <= '9') || last == 'X')) return invalid(f, "the last character must be a digit or X");
  auto birth = parse_date(number.substr(6, 8));
  if (!birth) return invalid(f, "the birth date in the identity number is not a real date");
  if (*birth > today) return invalid(f, "the birth date in the identity number is in the future");
  if (id_number_check_char(number.substr(0, 17)) != last) {
    return invalid(f, "the check character of the identity number is wrong");
  }
  std::string out(number);
  out[17] = last;
  return out;
}

Date id_number_birth_date(std::string_view n) { return *parse_date(n.substr(6, 8)); }
char id_number_sex(std::string_view n) { return ((n[16] - '0') % 2 == 1) ? 'M' : 'F'; }

Result<std::string> validate_document_number(std::string_view number, std::string_view field) {
  const std::string f(field);
  if (number.size() < 4 || number.size() > 32) return invalid(f, "a document number has 4 to 32 characters");
  for (char c : number) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
    if (!ok) return invalid(f, "a document number holds letters, digits and '-' only");
  }
  return std::string(number);
}

Result<std::string> validate_phone(std::string_view phone, std::string_view field) {
  const std::string f(field);
  std::string out;
  int digits = 0;
  for (size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (c == ' ') continue;
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (!(c == '-' || (c == '+' && out.empty()))) {
      return invalid(f, "a phone number holds digits, '+', '-' and spaces only");
    }
    out.push_back(c);
  }
  if (digits < 5 || digits > 20) return invalid(f, "a phone number has 5 to 20 digits");
  if (out.size() == 11 && out[0] == '1' && digits == 11 && (out[1] < '3' || out[1] > '9')) {
    return invalid(f, "a mobile number starts with 13–19");
  }
  return out;
}

std::string mask_id_number(std::string_view n) {
  if (n.size() <= 10) return std::string(n.size(), '*');
  std::string out(n);
  for (size_t i = 6; i + 4 < n.size(); ++i) out[i] = '*';
  return out;
}

std::string mask_phone(std::string_view p) {
  if (p.size() <= 7) return std::string(p.size(), '*');
  std::string out(p);
  for (size_t i = 3; i + 4 < p.size(); ++i) out[i] = '*';
  return out;
}

}  // namespace firstline::core
