// QR codes as SVG (node/rest/qr.h). No decoder is at hand, so the symbol is checked against
// ISO/IEC 18004 directly: the version that the input's length needs in byte mode, the
// error-correction level read back from the symbol's format information (with its BCH code),
// the finder patterns; and the SVG is parsed back into modules and compared with the matrix
// that libqrencode made.
#include "node/rest/qr.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <utility>

namespace waybill::node {
namespace {

// ISO/IEC 18004 table 7: the data capacity in bytes (byte mode) of versions 1..10 at level M.
constexpr int kByteCapacityM[] = {14, 26, 42, 62, 84, 106, 122, 152, 180, 213};

TEST(QrEncode, VersionFollowsTheLengthInByteMode) {
  for (int v = 1; v <= 10; ++v) {
    int cap = kByteCapacityM[v - 1];
    auto full = QrEncode(std::string(static_cast<size_t>(cap), 'a'), QrLevel::kM);
    ASSERT_TRUE(full);
    EXPECT_EQ(full->version, v) << cap << " bytes";
    EXPECT_EQ(full->width, 17 + 4 * v);
    EXPECT_EQ(full->dark.size(), static_cast<size_t>(full->width * full->width));
    auto over = QrEncode(std::string(static_cast<size_t>(cap + 1), 'a'), QrLevel::kM);
    ASSERT_TRUE(over);
    EXPECT_EQ(over->version, v + 1) << cap + 1 << " bytes";
  }
  // The URI of an asset page: 93 bytes -> version 6 (41 x 41).
  std::string uri = "http://127.0.0.1:19751/asset/" + std::string(64, 'f');
  EXPECT_EQ(QrEncode(uri)->version, 6);
  EXPECT_FALSE(QrEncode(""));
  EXPECT_FALSE(QrEncode(std::string(3000, 'a')));  // beyond version 40 (2,331 bytes at M)
}

// The 15 format bits around the top-left finder (ISO/IEC 18004 §7.9, figure 25), most
// significant first: row 8, columns 0-5, 7, 8; then column 8, rows 7, 5, 4, ..., 0.
int ReadFormat(const QrMatrix& m) {
  std::vector<std::pair<int, int>> cells;  // (x, y)
  for (int x = 0; x <= 5; ++x) cells.emplace_back(x, 8);
  cells.emplace_back(7, 8);
  cells.emplace_back(8, 8);
  cells.emplace_back(8, 7);
  for (int y = 5; y >= 0; --y) cells.emplace_back(8, y);
  int bits = 0;
  for (auto [x, y] : cells) bits = (bits << 1) | (m.Dark(x, y) ? 1 : 0);
  return bits ^ 0x5412;  // the format mask
}

// The remainder of the BCH(15,5) code with generator 0x537.
int Bch(int data5) {
  int v = data5 << 10;
  for (int i = 14; i >= 10; --i) {
    if (v & (1 << i)) v ^= 0x537 << (i - 10);
  }
  return v;
}

TEST(QrEncode, FormatInformationNamesTheLevel) {
  // Level bits of the format information: L 01, M 00, Q 11, H 10.
  const std::pair<QrLevel, int> levels[] = {
      {QrLevel::kL, 1}, {QrLevel::kM, 0}, {QrLevel::kQ, 3}, {QrLevel::kH, 2}};
  for (auto [level, bits] : levels) {
    auto m = QrEncode("https://example.com/01/09506000134352/10/L1", level);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->level, level);
    int format = ReadFormat(*m);
    EXPECT_EQ(format >> 13, bits) << QrLevelName(level);
    EXPECT_EQ(format & 0x3ff, Bch(format >> 10)) << "BCH of the format bits";
  }
  // A higher level needs a larger symbol for the same text.
  std::string text(100, 'x');
  EXPECT_LT(QrEncode(text, QrLevel::kL)->version, QrEncode(text, QrLevel::kH)->version);
}

TEST(QrEncode, FinderPatternsInThreeCorners) {
  auto m = QrEncode("waybill");
  ASSERT_TRUE(m);
  const int w = m->width;
  for (auto [ox, oy] : {std::pair{0, 0}, std::pair{w - 7, 0}, std::pair{0, w - 7}}) {
    for (int y = 0; y < 7; ++y) {
      for (int x = 0; x < 7; ++x) {
        bool ring = x == 0 || y == 0 || x == 6 || y == 6;
        bool core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
        EXPECT_EQ(m->Dark(ox + x, oy + y), ring || core) << ox << "," << oy << " +" << x << "," << y;
      }
    }
  }
}

TEST(QrSvg, OnePathOfTheDarkModulesWithQuietZone) {
  const std::string uri = "http://127.0.0.1:19751/01/09506000134352/10/A%26B?x=1&y=<2>";
  auto m = QrEncode(uri);
  ASSERT_TRUE(m);
  std::string svg = QrSvg(*m, uri);
  const int size = m->width + 2 * kQrQuietZone;
  const std::string n = std::to_string(size);
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(svg.find("viewBox=\"0 0 " + n + " " + n + "\""), std::string::npos);
  const std::string escaped =
      "http://127.0.0.1:19751/01/09506000134352/10/A%26B?x=1&amp;y=&lt;2&gt;";
  EXPECT_NE(svg.find("<title>" + escaped + "</title>"), std::string::npos);
  EXPECT_NE(svg.find("data-uri=\"" + escaped + "\""), std::string::npos);
  EXPECT_NE(svg.find("data-level=\"M\""), std::string::npos);
  EXPECT_NE(svg.find("data-version=\"" + std::to_string(m->version) + "\""), std::string::npos);
  size_t first = svg.find("<path");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(svg.find("<path", first + 1), std::string::npos) << "one path";

  // The path's runs, back into modules: exactly the matrix's dark modules, each once.
  size_t d = svg.find(" d=\"", first);
  ASSERT_NE(d, std::string::npos);
  std::string path = svg.substr(d + 4, svg.find('"', d + 4) - d - 4);
  std::set<std::pair<int, int>> drawn;
  std::regex run("M(\\d+) (\\d+)h(\\d+)v1h-(\\d+)z");
  size_t covered = 0;
  for (auto it = std::sregex_iterator(path.begin(), path.end(), run); it != std::sregex_iterator();
       ++it) {
    int x = std::stoi((*it)[1]), y = std::stoi((*it)[2]), len = std::stoi((*it)[3]);
    EXPECT_EQ(len, std::stoi((*it)[4]));
    covered += static_cast<size_t>(it->length());
    for (int i = 0; i < len; ++i) {
      EXPECT_TRUE(drawn.emplace(x + i - kQrQuietZone, y - kQrQuietZone).second) << "twice";
    }
  }
  EXPECT_EQ(covered, path.size()) << "nothing but runs in the path";
  size_t dark = 0;
  for (int y = 0; y < m->width; ++y) {
    for (int x = 0; x < m->width; ++x) {
      dark += m->Dark(x, y);
      EXPECT_EQ(drawn.count({x, y}), m->Dark(x, y) ? 1u : 0u) << x << "," << y;
    }
  }
  EXPECT_EQ(drawn.size(), dark) << "no module outside the symbol";
}

TEST(QrAssetUri, DigitalLinkWithGtinAndLotElseThePage) {
  chain::Asset a;
  a.id.bytes[0] = 0xab;
  EXPECT_EQ(QrAssetUri("http://h:1", a), "http://h:1/asset/" + a.id.ToHex());
  a.metadata = {{"gtin", "09506000134352"}, {"lot", "L 1"}};
  EXPECT_EQ(QrAssetUri("http://h:1", a), "http://h:1/01/09506000134352/10/L%201");
  a.metadata.push_back({"serial", "7"});
  EXPECT_EQ(QrAssetUri("https://x.example", a), "https://x.example/01/09506000134352/10/L%201/21/7");
}

}  // namespace
}  // namespace waybill::node
