// Unit tests of src/posters: the SVG and PDF QR posters of checkpoints and
// places. The QR code in the SVG is compared module by module with what
// libqrencode makes of the same URL, so the printed code decodes to the URL.
#include "posters/qr_poster.hpp"

#include <gtest/gtest.h>
#include <qrencode.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// For the sanitizer build (FIRSTLINE_SANITIZE): LeakSanitizer would report
// memory that is not ours to free: fontconfig's configuration and cairo's font
// caches, and ~768 bytes per embedded font per PDF that cairo 1.16's CFF
// subsetter loses in cairo_surface_finish.
extern "C" const char* __lsan_default_suppressions() { return "leak:libcairo.so\nleak:libfontconfig.so\n"; }

namespace firstline::posters {
namespace {

PosterInfo sample_poster() {
  return {
      .title = "场所码 · 扫码登记",
      .place_name = "望湖南里社区东门",
      .place_code = "P7K3M9Q2",
      .area_name = "望湖南里社区 · 第一网格",
      .url = "http://127.0.0.1:8080/m/scan?place=P7K3M9Q2",
      .footer = "进出请扫码 Scan when entering and leaving",
  };
}

// Empty when `xml` is one root element whose tags all nest and close, with
// quoted attributes and only the five predefined or numeric entities;
// otherwise what is wrong. Enough for the documents these renderers write.
std::string xml_structure_problem(std::string_view xml) {
  auto entity_ok = [&](std::size_t amp) {
    const auto semi = xml.find(';', amp);
    if (semi == std::string_view::npos || semi - amp > 8) return false;
    const auto name = xml.substr(amp + 1, semi - amp - 1);
    return name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos" ||
           (name.size() > 1 && name[0] == '#');
  };
  std::vector<std::string> open;
  int roots = 0;
  std::size_t i = 0;
  while (i < xml.size()) {
    if (xml[i] == '&' && !entity_ok(i)) return "bare & at " + std::to_string(i);
    if (xml[i] == '>') return "bare > in text at " + std::to_string(i);
    if (xml[i] != '<') {
      ++i;
      continue;
    }
    if (xml.substr(i, 2) == "<?") {
      const auto end = xml.find("?>", i);
      if (end == std::string_view::npos) return "unclosed <?";
      i = end + 2;
      continue;
    }
    if (xml.substr(i, 4) == "<!--") {
      const auto end = xml.find("-->", i);
      if (end == std::string_view::npos) return "unclosed comment";
      i = end + 3;
      continue;
    }
    const bool closing = xml.substr(i, 2) == "</";
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < xml.size() && (std::isalnum(static_cast<unsigned char>(xml[j])) || xml[j] == '-' || xml[j] == ':')) ++j;
    const std::string name(xml.substr(name_start, j - name_start));
    if (name.empty()) return "tag without a name at " + std::to_string(i);
    char quote = 0;
    for (; j < xml.size(); ++j) {
      const char c = xml[j];
      if (quote) {
        if (c == quote)
          quote = 0;
        else if (c == '<')
          return "< inside an attribute of <" + name + ">";
        else if (c == '&' && !entity_ok(j))
          return "bare & inside an attribute of <" + name + ">";
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      }
    }
    if (j >= xml.size()) return "unterminated tag <" + name;
    const bool self_closing = xml[j - 1] == '/';
    if (closing) {
      if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
      open.pop_back();
    } else if (!self_closing) {
      if (open.empty()) ++roots;
      open.push_back(name);
    } else if (open.empty()) {
      ++roots;
    }
    i = j + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (roots != 1) return std::to_string(roots) + " root elements";
  return {};
}

// Dark modules (x, y) as libqrencode encodes `text` (level M, 8-bit,
// case-sensitive), shifted by the 4-module quiet zone; and the full side.
std::pair<std::set<std::pair<int, int>>, int> libqrencode_modules(const std::string& text) {
  QRcode* code = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  EXPECT_NE(code, nullptr);
  if (code == nullptr) return {};
  std::set<std::pair<int, int>> dark;
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      if (code->data[y * code->width + x] & 1) dark.insert({x + 4, y + 4});
    }
  }
  const int side = code->width + 8;
  QRcode_free(code);
  return {dark, side};
}

// Dark modules of the QR <path> in an SVG poster and the side of its viewBox.
std::pair<std::set<std::pair<int, int>>, int> svg_modules(const std::string& svg) {
  std::smatch box;
  EXPECT_TRUE(std::regex_search(svg, box, std::regex(R"(viewBox="0 0 (\d+) \1")")));
  const auto at = svg.find("id=\"qr-modules\"");
  EXPECT_NE(at, std::string::npos);
  const auto d_start = svg.find(" d=\"", at) + 4;
  const std::string d = svg.substr(d_start, svg.find('"', d_start) - d_start);

  std::set<std::pair<int, int>> dark;
  const std::regex run(R"(M(\d+) (\d+)h(\d+)v1h-\3z)");
  std::size_t consumed = 0;
  for (auto it = std::sregex_iterator(d.begin(), d.end(), run); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ(static_cast<std::size_t>(it->position()), consumed) << "unexpected path data";
    consumed += it->length();
    const int x = std::stoi((*it)[1]), y = std::stoi((*it)[2]), n = std::stoi((*it)[3]);
    for (int k = 0; k < n; ++k) EXPECT_TRUE(dark.insert({x + k, y}).second) << "module drawn twice";
  }
  EXPECT_EQ(consumed, d.size()) << "unexpected path data";
  return {dark, box.empty() ? 0 : std::stoi(box[1])};
}

bool ends_with_eof_marker(const std::string& pdf) {
  std::string_view tail(pdf);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.remove_suffix(1);
  return tail.ends_with("%%EOF");
}

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// ---------------------------------------------------------------- SVG

TEST(PosterSvg, IsWellFormedXml) {
  auto svg = render_poster_svg(sample_poster());
  ASSERT_TRUE(svg) << svg.error().message;
  EXPECT_TRUE(svg->starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  EXPECT_EQ(xml_structure_problem(*svg), "");
  EXPECT_NE(svg->find("viewBox=\"0 0 210 297\""), std::string::npos);
  EXPECT_NE(svg->find("'Noto Sans CJK SC', 'Source Han Sans SC'"), std::string::npos);
  EXPECT_NE(svg->find(">望湖南里社区东门</text>"), std::string::npos);
}

TEST(PosterSvg, PassesXmllintWhenInstalled) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "xmllint is not installed";
  PosterInfo info = sample_poster();
  info.place_name = "A&B <东门> \"x\" 'y'";
  auto svg = render_poster_svg(info);
  ASSERT_TRUE(svg);
  const std::string path = ::testing::TempDir() + "poster_" + std::to_string(::getpid()) + ".svg";
  std::ofstream(path, std::ios::binary) << *svg;
  const int rc = std::system(("xmllint --noout '" + path + "'").c_str());
  std::remove(path.c_str());
  EXPECT_EQ(rc, 0);
}

TEST(PosterSvg, EscapesMarkupInEveryText) {
  PosterInfo info = sample_poster();
  info.title = "<script>";
  info.place_name = "A&B <东门> \"x\" 'y'";
  info.area_name = "a'b";
  info.place_code = "P&1";
  info.footer = "x>y";
  auto svg = render_poster_svg(info);
  ASSERT_TRUE(svg);
  EXPECT_EQ(xml_structure_problem(*svg), "");
  EXPECT_NE(svg->find(">A&amp;B &lt;东门&gt; &quot;x&quot; &apos;y&apos;</text>"), std::string::npos);
  EXPECT_NE(svg->find("<title>A&amp;B &lt;东门&gt; &quot;x&quot; &apos;y&apos;</title>"), std::string::npos);
  EXPECT_NE(svg->find(">&lt;script&gt;</text>"), std::string::npos);
  EXPECT_NE(svg->find(">a&apos;b</text>"), std::string::npos);
  EXPECT_NE(svg->find(">P&amp;1</text>"), std::string::npos);
  EXPECT_NE(svg->find(">x&gt;y</text>"), std::string::npos);
  EXPECT_EQ(svg->find("<script>"), std::string::npos);
}

TEST(PosterSvg, QrPathIsTheLibqrencodeMatrixInsideAQuietZone) {
  const PosterInfo info = sample_poster();
  auto svg = render_poster_svg(info);
  ASSERT_TRUE(svg);
  const auto [expected, side] = libqrencode_modules(info.url);
  const auto [drawn, drawn_side] = svg_modules(*svg);
  EXPECT_EQ(drawn_side, side);
  EXPECT_EQ(drawn.size(), expected.size());
  EXPECT_EQ(drawn, expected);
  for (const auto& [x, y] : drawn) {  // nothing inside the 4-module quiet zone
    EXPECT_TRUE(x >= 4 && y >= 4 && x < side - 4 && y < side - 4) << x << "," << y;
  }
}

TEST(PosterSvg, UrlWithAmpersandIsEscapedInTextButEncodedRaw) {
  PosterInfo info = sample_poster();
  info.url = "http://127.0.0.1:8080/m/scan?place=P7K3M9Q2&lang=zh";
  auto svg = render_poster_svg(info);
  ASSERT_TRUE(svg);
  EXPECT_NE(svg->find(">http://127.0.0.1:8080/m/scan?place=P7K3M9Q2&amp;lang=zh</text>"), std::string::npos);
  EXPECT_EQ(svg->find("P7K3M9Q2&lang"), std::string::npos);
  const auto [drawn, side] = svg_modules(*svg);
  EXPECT_EQ(drawn, libqrencode_modules(info.url).first);
  EXPECT_NE(drawn, libqrencode_modules("http://127.0.0.1:8080/m/scan?place=P7K3M9Q2&amp;lang=zh").first);
}

TEST(QrSvg, IsJustTheLibqrencodeMatrixInAWellFormedDocument) {
  const std::string url = "http://127.0.0.1:8080/pass/AQAAAAAAAAAHAAAAAGmQ-IA2iS1uLtsZJ1fXvA8Pq2Hh";
  auto svg = render_qr_svg(url);
  ASSERT_TRUE(svg) << svg.error().message;
  EXPECT_TRUE(svg->starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "));
  EXPECT_EQ(xml_structure_problem(*svg), "");
  EXPECT_EQ(count(*svg, "<svg "), 1u);
  EXPECT_EQ(svg->find("<text"), std::string::npos);  // the code only, no poster texts
  const auto [expected, side] = libqrencode_modules(url);
  const auto [drawn, drawn_side] = svg_modules(*svg);
  EXPECT_EQ(drawn_side, side);
  EXPECT_EQ(drawn, expected);
  const std::string px = std::to_string(side * kQrSvgPixelsPerModule);
  EXPECT_NE(svg->find("width=\"" + px + "\" height=\"" + px + "\""), std::string::npos);
}

TEST(QrSvg, RefusesEmptyOversizedAndControlTextOnFieldText) {
  for (const std::string& bad :
       {std::string(), std::string(kMaxPosterUrlBytes + 1, 'a'), std::string("a\nb"), std::string("\xff\xfe")}) {
    auto svg = render_qr_svg(bad);
    ASSERT_FALSE(svg) << bad;
    EXPECT_EQ(svg.error().code, core::ErrorCode::invalid);
    EXPECT_EQ(svg.error().field, "text");
  }
}

TEST(PosterSvg, LeavesOffEmptyTexts) {
  PosterInfo info;
  info.url = "http://127.0.0.1:8080/m/scan?place=P7K3M9Q2";
  auto svg = render_poster_svg(info);
  ASSERT_TRUE(svg);
  EXPECT_EQ(xml_structure_problem(*svg), "");
  EXPECT_EQ(count(*svg, "<text "), 1u);  // only the printed URL
}

TEST(PosterSvg, ShrinksALongPlaceNameToFitTheFrame) {
  PosterInfo info = sample_poster();
  info.place_name = "望湖南里社区东门外侧临时检查点（夜间值守）与社区卫生服务站联合登记处";
  auto svg = render_poster_svg(info);
  ASSERT_TRUE(svg);
  std::smatch m;
  const std::string name_line = "font-size=\"([0-9.]+)\" font-weight=\"700\" fill=\"#000000\">望湖";
  ASSERT_TRUE(std::regex_search(*svg, m, std::regex(name_line)));
  const double size = std::stod(m[1]);
  EXPECT_LT(size, 10.0);
  EXPECT_LE(size * 34, 176.0);  // 34 full-width characters, 1 em each
}

// ---------------------------------------------------------------- PDF

TEST(PosterPdf, IsACompleteOnePageA4Document) {
  auto pdf = render_poster_pdf(sample_poster());
  ASSERT_TRUE(pdf) << pdf.error().message;
  EXPECT_TRUE(pdf->starts_with("%PDF-"));
  EXPECT_TRUE(ends_with_eof_marker(*pdf));
  EXPECT_GT(pdf->size(), 1024u);
  EXPECT_EQ(count(*pdf, "/Type /Page\n") + count(*pdf, "/Type /Page "), 1u);
  EXPECT_NE(pdf->find("/MediaBox [ 0 0 595.27"), std::string::npos);
}

TEST(PosterPdf, EmbedsTheCjkFont) {
  // Without fonts-noto-cjk fontconfig substitutes a font without Chinese glyphs.
  auto pdf = render_poster_pdf(sample_poster());
  ASSERT_TRUE(pdf);
  EXPECT_NE(pdf->find("NotoSansCJK"), std::string::npos) << "is fonts-noto-cjk installed?";
}

TEST(PosterPdf, RendersWithOnlyAUrl) {
  PosterInfo info;
  info.url = "http://127.0.0.1:8080/m/scan?place=P7K3M9Q2";
  auto pdf = render_poster_pdf(info);
  ASSERT_TRUE(pdf);
  EXPECT_TRUE(pdf->starts_with("%PDF-"));
  EXPECT_TRUE(ends_with_eof_marker(*pdf));
}

// ---------------------------------------------------------------- validation

TEST(PosterValidation, EmptyUrlFailsOnFieldUrl) {
  PosterInfo info = sample_poster();
  info.url.clear();
  for (const auto& result : {render_poster_svg(info), render_poster_pdf(info)}) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, core::ErrorCode::invalid);
    EXPECT_EQ(result.error().field, "url");
  }
}

TEST(PosterValidation, UrlBeyondQrCapacityFailsOnFieldUrl) {
  PosterInfo info = sample_poster();
  info.url = "http://x/" + std::string(kMaxPosterUrlBytes, 'a');
  for (const auto& result : {render_poster_svg(info), render_poster_pdf(info)}) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, core::ErrorCode::invalid);
    EXPECT_EQ(result.error().field, "url");
  }
}

TEST(PosterValidation, UrlAtQrCapacityStillEncodes) {
  PosterInfo info = sample_poster();
  info.url = "http://x/" + std::string(kMaxPosterUrlBytes - 9, 'a');
  auto svg = render_poster_svg(info);
  ASSERT_TRUE(svg) << svg.error().message;
  EXPECT_EQ(svg_modules(*svg).second, 177 + 8);  // version 40
  EXPECT_EQ(svg->find(">http://x/"), std::string::npos) << "a URL this long is too small to print";
  EXPECT_EQ(count(*svg, "<text "), 5u);
}

TEST(PosterValidation, ControlCharactersAndBrokenUtf8FailOnTheirField) {
  PosterInfo info = sample_poster();
  info.place_name = "东门\n";
  auto r = render_poster_svg(info);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::invalid);
  EXPECT_EQ(r.error().field, "place_name");

  info = sample_poster();
  info.footer = "\xE4\xB8";  // truncated UTF-8
  r = render_poster_pdf(info);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "footer");

  info = sample_poster();
  info.url = std::string("http://x/\0y", 11);
  r = render_poster_svg(info);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "url");
}

}  // namespace
}  // namespace firstline::posters
