// The printable QR poster of a checkpoint (gate) or place (shop, clinic,
// office): one A4 page with a title, the place name, its area, a large QR code
// that residents and visitors scan from a phone to check in and out, the place
// code, the encoded address in small print and a footer.
//
// The QR code is a libqrencode matrix (error correction level M, 8-bit mode,
// case-sensitive, the smallest version that fits) with a 4-module white quiet
// zone, drawn black on white. Text uses the CJK fonts "Noto Sans CJK SC" (PDF;
// Debian package fonts-noto-cjk, without it Chinese prints as empty boxes) or
// the first of a CJK font list the viewer has (SVG).
//
// Thread-safe: both renderers keep no state between calls.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace firstline::posters {

/// What a poster shows. Every field is UTF-8 text without control characters;
/// an empty field other than `url` is left off the poster. Long texts are set
/// in a smaller font so that each stays on one line inside the page frame.
struct PosterInfo {
  std::string title;       // large heading, e.g. "场所码 · 扫码登记"
  std::string place_name;  // e.g. "望湖南里社区东门"
  std::string place_code;  // e.g. "P7K3M9Q2", printed under the QR code
  std::string area_name;   // e.g. "望湖南里社区 · 第一网格"
  std::string url;         // encoded in the QR code byte for byte; printed small unless too long to read
  std::string footer;      // e.g. "进出请扫码 Scan when entering and leaving"
};

/// Longest `url` a QR code holds at error correction level M in 8-bit mode
/// (version 40). Short URLs give larger modules, which phones read more easily.
inline constexpr std::size_t kMaxPosterUrlBytes = 2331;

/// A complete standalone SVG 1.1 document (UTF-8, with XML declaration) of the
/// A4 poster: width 210mm, height 297mm, viewBox in millimetres. All text is
/// XML-escaped. Fails invalid naming the field when `url` is empty or longer
/// than kMaxPosterUrlBytes, or when any field is not valid UTF-8 or holds a
/// control character.
core::Result<std::string> render_poster_svg(const PosterInfo& info);

/// A complete one-page A4 PDF document (cairo, fonts embedded as subsets) of
/// the same poster. Fails like render_poster_svg on invalid input, and with
/// internal when cairo reports an error.
core::Result<std::string> render_poster_pdf(const PosterInfo& info);

/// Pixels per module of the nominal size of render_qr_svg's document.
inline constexpr int kQrSvgPixelsPerModule = 6;

/// A standalone SVG 1.1 document (UTF-8, with XML declaration) of just the QR
/// code of `text` (encoded byte for byte like a poster's URL), black on white
/// with the 4-module quiet zone: viewBox one unit per module, nominal width and
/// height kQrSvgPixelsPerModule px per module (scale it freely; edges stay
/// crisp). Fails invalid on field "text" when `text` is empty, longer than
/// kMaxPosterUrlBytes, not valid UTF-8 or holds a control character.
core::Result<std::string> render_qr_svg(std::string_view text);

}  // namespace firstline::posters
