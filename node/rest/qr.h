// QR codes of an asset's public URI, rendered as SVG (libqrencode makes the matrix; nothing
// outside qr.cpp includes it), and the route GET /v1/assets/{id}/qr.svg.
//
// The URI is the GS1 Digital Link public_url + "/01/{gtin}/10/{lot}[/21/{serial}]" when the
// asset's published metadata has gtin and lot (what the Digital Link routes resolve), else
// public_url + "/asset/{id}" (the explorer's page of the asset).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/state.h"
#include "node/rest/rest.h"

namespace waybill::node {

// QR error-correction levels (ISO/IEC 18004): the share of codewords that may be lost.
enum class QrLevel : uint8_t { kL, kM, kQ, kH };  // 7%, 15%, 25%, 30%
const char* QrLevelName(QrLevel level);           // "L", "M", "Q", "H"

// A QR symbol: width x width modules, row by row, true = dark.
struct QrMatrix {
  int version = 0;  // 1..40; width = 17 + 4 * version
  int width = 0;
  QrLevel level = QrLevel::kM;
  std::vector<bool> dark;
  bool Dark(int x, int y) const { return dark[static_cast<size_t>(y) * width + x]; }
};

// The smallest symbol at level that holds text in 8-bit byte mode (one segment, no mode
// switching, so the version follows from the length alone). nullopt when text is empty or
// longer than a version-40 symbol holds.
std::optional<QrMatrix> QrEncode(std::string_view text, QrLevel level = QrLevel::kM);

// The quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4).
inline constexpr int kQrQuietZone = 4;

// An SVG of the matrix: viewBox "0 0 W W" with W = width + 2 * kQrQuietZone (one unit per
// module), a white background and ONE <path> of the dark modules (one "M x y h n v 1 h -n z"
// run per row segment), a <title> and a data-uri attribute holding text (XML-escaped), and
// data-version / data-level attributes.
std::string QrSvg(const QrMatrix& matrix, std::string_view text);

// The URI an asset's QR code encodes (see above). public_url has no trailing '/'.
std::string QrAssetUri(std::string_view public_url, const chain::Asset& asset);

// GET /v1/assets/{id}/qr.svg -> image/svg+xml, level M (L when the URI is too long for M)
// (Cache-Control: public, max-age=5: the URI
// depends on the asset's metadata, which asset.correct may change, and on public_url).
void RegisterQrRoutes(RestRoutes& routes);

}  // namespace waybill::node
