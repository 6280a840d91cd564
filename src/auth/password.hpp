// Password hashing (argon2id through libsodium) and session tokens.
#pragma once

#include <string>
#include <string_view>

namespace firstline::auth {

/// Cost of argon2id. The defaults are libsodium's "interactive" limits; tests
/// may lower them to keep suites fast.
struct HashCost {
  unsigned long long ops = 2;
  std::size_t memory = 64u << 20;
  static HashCost interactive() { return {}; }
  static HashCost minimal() { return {1, 8192}; }
};

/// An encoded argon2id hash ("$argon2id$v=19$m=...") with a random salt. Throws std::runtime_error when out of memory.
std::string hash_password(std::string_view password, HashCost cost);
/// True when the password matches the encoded hash (constant time).
bool verify_password(std::string_view password, const std::string& encoded);
/// A new random session token: 32 bytes, hex-encoded (64 characters).
std::string new_session_token();
/// The SHA-256 of a token, hex-encoded: what the database stores.
std::string token_digest(std::string_view token);

}  // namespace firstline::auth
