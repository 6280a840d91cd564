#include "posters/qr_poster.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <qrencode.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string_view>
#include <vector>

#include "core/text.hpp"

namespace firstline::posters {
namespace {

// ------------------------------------------------------------ layout (mm)
// One layout shared by the SVG and the PDF so that both print the same.

constexpr double kPageWidth = 210.0;
constexpr double kPageHeight = 297.0;
constexpr double kCenterX = kPageWidth / 2;
constexpr double kFrameInset = 8.0;  // printers cannot print the outer ~5 mm
constexpr double kFrameStroke = 1.2;
constexpr double kFrameRadius = 4.0;
constexpr double kMaxTextWidth = 176.0;  // inside the frame with a margin
constexpr double kQrTop = 76.0;
constexpr double kQrSide = 146.0;  // including the quiet zone
constexpr int kQuietZone = 4;      // modules, as ISO/IEC 18004 asks

constexpr std::string_view kAccent = "#0b5394";
constexpr std::string_view kSvgFontFamily =
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
constexpr const char* kPdfFontFamily = "Noto Sans CJK SC";

// Width of valid UTF-8 text in em, estimated generously: an SVG cannot
// measure its text, and a line that overflows the frame is worse than one a
// little smaller than it could be.
double estimated_width_em(std::string_view s) {
  double em = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      em += c == ' ' ? 0.3 : (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? 0.66 : 0.56;
      i += 1;
    } else if (c < 0xE0) {
      em += 0.66;  // Latin, Greek, Cyrillic; U+00B7 middle dot
      i += 2;
    } else {
      em += 1.0;  // CJK and full-width forms
      i += c < 0xF0 ? 3 : 4;
    }
  }
  return em;
}

struct TextLine {
  std::string_view text;
  double baseline;   // y of the baseline
  double font_size;  // nominal; shrunk when the line would not fit
  bool bold;
  std::string_view color;
  double smallest_font_size = 0;  // left off when it would need a smaller font
};

// The text lines of a poster, top to bottom. Empty texts are left off, and so
// is the printed URL when it would be too small to read (a very long URL).
std::vector<TextLine> text_lines(const PosterInfo& info) {
  // clang-format off
  const std::vector<TextLine> all = {
      {info.title,      36.0,  13.0, true,  kAccent},
      {info.place_name, 56.0,  10.0, true,  "#000000"},
      {info.area_name,  67.0,  5.5,  false, "#555555"},
      // the QR code: kQrTop .. kQrTop + kQrSide (76 .. 222)
      {info.place_code, 237.0, 8.0,  true,  "#000000"},
      {info.url,        245.0, 3.2,  false, "#666666", 2.0},
      {info.footer,     266.0, 6.0,  false, "#333333"},
  };
  // clang-format on
  std::vector<TextLine> lines;
  for (const auto& line : all) {
    if (line.text.empty()) continue;
    if (kMaxTextWidth / estimated_width_em(line.text) < line.smallest_font_size) continue;
    lines.push_back(line);
  }
  return lines;
}

// ------------------------------------------------------------ validation

core::Status check_text(std::string_view field, std::string_view value) {
  if (!core::is_valid_utf8(value)) return core::invalid(std::string(field), "must be valid UTF-8");
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return core::invalid(std::string(field), "must not contain control characters");
    }
  }
  return {};
}

// What a QR code encodes: present, within the capacity, printable UTF-8.
core::Status check_qr_text(std::string_view field, std::string_view text) {
  if (text.empty()) return core::invalid(std::string(field), "is required");
  if (text.size() > kMaxPosterUrlBytes) {
    return core::invalid(std::string(field),
                         fmt::format("is longer than the {} bytes a QR code holds", kMaxPosterUrlBytes));
  }
  return check_text(field, text);
}

core::Status check_info(const PosterInfo& info) {
  if (auto ok = check_qr_text("url", info.url); !ok) return ok;
  // clang-format off
  const std::pair<std::string_view, const std::string*> fields[] = {
      {"title", &info.title},
      {"place_name", &info.place_name},
      {"place_code", &info.place_code},
      {"area_name", &info.area_name},
      {"footer", &info.footer},
  };
  // clang-format on
  for (const auto& [name, value] : fields) {
    if (auto ok = check_text(name, *value); !ok) return ok;
  }
  return {};
}

// ------------------------------------------------------------ QR matrix

// Dark modules of a QR code, `size` x `size`, row-major, without quiet zone.
struct QrMatrix {
  int size = 0;
  std::vector<bool> dark;
  bool at(int x, int y) const { return dark[static_cast<std::size_t>(y) * size + x]; }
};

struct QrcodeDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

core::Result<QrMatrix> encode_qr(const std::string& text, std::string_view field = "url") {
  errno = 0;
  std::unique_ptr<QRcode, QrcodeDeleter> code(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!code) {
    if (errno == ERANGE) return core::invalid(std::string(field), "is too long for a QR code");
    return core::fail(core::ErrorCode::internal, fmt::format("QR encoding failed (errno {})", errno));
  }
  QrMatrix m;
  m.size = code->width;
  m.dark.resize(static_cast<std::size_t>(m.size) * m.size);
  for (std::size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (code->data[i] & 1) != 0;
  return m;
}

// Calls f(x, y, length) for every horizontal run of dark modules, in module
// coordinates including the quiet zone, so that a row needs few shapes.
template <class F>
void for_each_dark_run(const QrMatrix& m, F&& f) {
  for (int y = 0; y < m.size; ++y) {
    int x = 0;
    while (x < m.size) {
      if (!m.at(x, y)) {
        ++x;
        continue;
      }
      const int start = x;
      while (x < m.size && m.at(x, y)) ++x;
      f(start + kQuietZone, y + kQuietZone, x - start);
    }
  }
}

// ------------------------------------------------------------ SVG

void append_xml_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
}

std::string num(double v) { return fmt::format("{:.6g}", v); }

// The code's white background and its dark modules as one path, in a
// coordinate system of one unit per module, quiet zone included.
void append_qr_modules(std::string& out, const QrMatrix& qr) {
  const int modules = qr.size + 2 * kQuietZone;
  out += fmt::format("<rect width=\"{0}\" height=\"{0}\" fill=\"#ffffff\"/>\n", modules);
  out += "<path id=\"qr-modules\" fill=\"#000000\" d=\"";
  for_each_dark_run(qr, [&](int x, int y, int n) { out += fmt::format("M{} {}h{}v1h-{}z", x, y, n, n); });
  out += "\"/>\n";
}

}  // namespace

core::Result<std::string> render_qr_svg(std::string_view text) {
  if (auto ok = check_qr_text("text", text); !ok) return std::unexpected(ok.error());
  auto qr = encode_qr(std::string(text), "text");
  if (!qr) return std::unexpected(qr.error());
  const int modules = qr->size + 2 * kQuietZone;
  std::string out;
  out.reserve(4096);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{0}\" "
      "viewBox=\"0 0 {1} {1}\" shape-rendering=\"crispEdges\">\n",
      modules * kQrSvgPixelsPerModule, modules);
  append_qr_modules(out, *qr);
  out += "</svg>\n";
  return out;
}

core::Result<std::string> render_poster_svg(const PosterInfo& info) {
  if (auto ok = check_info(info); !ok) return std::unexpected(ok.error());
  auto qr = encode_qr(info.url);
  if (!qr) return std::unexpected(qr.error());

  std::string out;
  out.reserve(8192);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}mm\" height=\"{1}mm\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"{2}\">\n",
      num(kPageWidth), num(kPageHeight), kSvgFontFamily);
  out += "<title>";
  append_xml_escaped(out, info.place_name.empty() ? info.title : info.place_name);
  out += "</title>\n";
  out += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", num(kPageWidth), num(kPageHeight));
  out += fmt::format(
      "<rect x=\"{0}\" y=\"{0}\" width=\"{1}\" height=\"{2}\" rx=\"{3}\" fill=\"none\" stroke=\"{4}\" "
      "stroke-width=\"{5}\"/>\n",
      num(kFrameInset), num(kPageWidth - 2 * kFrameInset), num(kPageHeight - 2 * kFrameInset), num(kFrameRadius),
      kAccent, num(kFrameStroke));

  for (const auto& line : text_lines(info)) {
    const double size = std::min(line.font_size, kMaxTextWidth / estimated_width_em(line.text));
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\"{} fill=\"{}\">", num(kCenterX),
                       num(line.baseline), num(size), line.bold ? " font-weight=\"700\"" : "", line.color);
    append_xml_escaped(out, line.text);
    out += "</text>\n";
  }

  // The code in its own coordinate system: one unit per module, quiet zone included.
  const int modules = qr->size + 2 * kQuietZone;
  out += fmt::format(
      "<svg x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{2}\" viewBox=\"0 0 {3} {3}\" shape-rendering=\"crispEdges\">\n",
      num(kCenterX - kQrSide / 2), num(kQrTop), num(kQrSide), modules);
  append_qr_modules(out, *qr);
  out += "</svg>\n</svg>\n";
  return out;
}

// ------------------------------------------------------------ PDF

namespace {

struct CairoSurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* cr) const { cairo_destroy(cr); }
};

// Appends the PDF bytes cairo writes to the std::string passed as closure.
cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {  // no exception may cross the C library
    return CAIRO_STATUS_WRITE_ERROR;
  }
}

void set_color(cairo_t* cr, std::string_view hex) {
  const unsigned rgb = static_cast<unsigned>(std::stoul(std::string(hex.substr(1)), nullptr, 16));
  cairo_set_source_rgb(cr, ((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0, (rgb & 0xFF) / 255.0);
}

void rounded_rectangle(cairo_t* cr, double x, double y, double w, double h, double r) {
  constexpr double kQuarter = 1.5707963267948966;
  cairo_new_sub_path(cr);
  cairo_arc(cr, x + w - r, y + r, r, -kQuarter, 0);
  cairo_arc(cr, x + w - r, y + h - r, r, 0, kQuarter);
  cairo_arc(cr, x + r, y + h - r, r, kQuarter, 2 * kQuarter);
  cairo_arc(cr, x + r, y + r, r, 2 * kQuarter, 3 * kQuarter);
  cairo_close_path(cr);
}

// Draws one line centred on the page, shrunk to kMaxTextWidth when longer.
void draw_centered_text(cairo_t* cr, const TextLine& line) {
  const std::string text(line.text);
  cairo_select_font_face(cr, kPdfFontFamily, CAIRO_FONT_SLANT_NORMAL,
                         line.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, line.font_size);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, text.c_str(), &ext);
  if (ext.x_advance > kMaxTextWidth) {
    cairo_set_font_size(cr, line.font_size * kMaxTextWidth / ext.x_advance);
    cairo_text_extents(cr, text.c_str(), &ext);
  }
  set_color(cr, line.color);
  cairo_move_to(cr, kCenterX - ext.x_advance / 2, line.baseline);
  cairo_show_text(cr, text.c_str());
}

}  // namespace

core::Result<std::string> render_poster_pdf(const PosterInfo& info) {
  if (auto ok = check_info(info); !ok) return std::unexpected(ok.error());
  auto qr = encode_qr(info.url);
  if (!qr) return std::unexpected(qr.error());

  constexpr double kPointsPerMm = 72.0 / 25.4;
  std::string out;
  {
    std::unique_ptr<cairo_surface_t, CairoSurfaceDeleter> surface(cairo_pdf_surface_create_for_stream(
        append_to_string, &out, kPageWidth * kPointsPerMm, kPageHeight * kPointsPerMm));
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE,
                                   (info.place_name.empty() ? info.title : info.place_name).c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "firstline");
    {
      std::unique_ptr<cairo_t, CairoDeleter> owner(cairo_create(surface.get()));
      cairo_t* cr = owner.get();
      cairo_scale(cr, kPointsPerMm, kPointsPerMm);  // draw in millimetres

      cairo_set_source_rgb(cr, 1, 1, 1);
      cairo_paint(cr);

      rounded_rectangle(cr, kFrameInset, kFrameInset, kPageWidth - 2 * kFrameInset, kPageHeight - 2 * kFrameInset,
                        kFrameRadius);
      set_color(cr, kAccent);
      cairo_set_line_width(cr, kFrameStroke);
      cairo_stroke(cr);

      for (const auto& line : text_lines(info)) draw_centered_text(cr, line);

      // The quiet zone is the white page; the modules are one filled path.
      const double module = kQrSide / (qr->size + 2 * kQuietZone);
      const double left = kCenterX - kQrSide / 2;
      for_each_dark_run(*qr, [&](int x, int y, int n) {
        cairo_rectangle(cr, left + x * module, kQrTop + y * module, n * module, module);
      });
      cairo_set_source_rgb(cr, 0, 0, 0);
      cairo_fill(cr);

      cairo_show_page(cr);
      if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        return core::fail(core::ErrorCode::internal,
                          fmt::format("drawing the poster failed: {}", cairo_status_to_string(cairo_status(cr))));
      }
    }
    cairo_surface_finish(surface.get());  // writes the trailer into `out`
    if (auto status = cairo_surface_status(surface.get()); status != CAIRO_STATUS_SUCCESS) {
      return core::fail(core::ErrorCode::internal,
                        fmt::format("writing the poster PDF failed: {}", cairo_status_to_string(status)));
    }
  }
  return out;
}

}  // namespace firstline::posters
