#include "node/rest/qr.h"

#include <qrencode.h>

#include <memory>
#include <variant>

#include "consensus/read_snapshot.h"
#include "node/rest/epcis.h"
#include "node/rest/route_util.h"

namespace waybill::node {
namespace {

QRecLevel QrToLib(QrLevel level) {
  switch (level) {
    case QrLevel::kL:
      return QR_ECLEVEL_L;
    case QrLevel::kM:
      return QR_ECLEVEL_M;
    case QrLevel::kQ:
      return QR_ECLEVEL_Q;
    case QrLevel::kH:
      return QR_ECLEVEL_H;
  }
  return QR_ECLEVEL_M;
}

void QrXmlEscape(std::string_view s, std::string* out) {
  for (char c : s) {
    switch (c) {
      case '&':
        *out += "&amp;";
        break;
      case '<':
        *out += "&lt;";
        break;
      case '>':
        *out += "&gt;";
        break;
      case '"':
        *out += "&quot;";
        break;
      case '\'':
        *out += "&apos;";
        break;
      default:
        out->push_back(c);
    }
  }
}

HttpResponse QrHandle(const RestContext& ctx, const RestRequest& req) {
  RestOr<chain::Hash256> id = RestParseId(req.params.at(0), "asset");
  if (auto* problem = std::get_if<HttpResponse>(&id)) return std::move(*problem);
  std::shared_ptr<const consensus::ReadSnapshot> snap = RestSnapshot(ctx);
  RestOr<chain::Asset> asset = RestLoadAsset(*snap, std::get<chain::Hash256>(id));
  if (auto* problem = std::get_if<HttpResponse>(&asset)) return std::move(*problem);
  std::string uri = QrAssetUri(ctx.public_url, std::get<chain::Asset>(asset));
  // Level M holds 2,331 bytes; percent-encoded gtin, lot and serial of 256 bytes each could
  // pass that, and then level L (2,953 bytes) is used.
  auto matrix = QrEncode(uri, QrLevel::kM);
  if (!matrix) matrix = QrEncode(uri, QrLevel::kL);
  if (!matrix) return Problem(500, "Internal error", "the asset's URI does not fit a QR code");
  HttpResponse r;
  r.status = 200;
  r.content_type = "image/svg+xml";
  r.body = QrSvg(*matrix, uri);
  r.headers.emplace_back("Cache-Control", "public, max-age=5");
  return r;
}

}  // namespace

const char* QrLevelName(QrLevel level) {
  switch (level) {
    case QrLevel::kL:
      return "L";
    case QrLevel::kM:
      return "M";
    case QrLevel::kQ:
      return "Q";
    case QrLevel::kH:
      return "H";
  }
  return "?";
}

std::optional<QrMatrix> QrEncode(std::string_view text, QrLevel level) {
  if (text.empty() || text.size() > 8192) return std::nullopt;
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QrToLib(level)),
      QRcode_free);
  if (!code) return std::nullopt;
  QrMatrix m;
  m.version = code->version;
  m.width = code->width;
  m.level = level;
  m.dark.resize(static_cast<size_t>(m.width) * m.width);
  for (size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (code->data[i] & 1) != 0;
  return m;
}

std::string QrSvg(const QrMatrix& matrix, std::string_view text) {
  const int size = matrix.width + 2 * kQrQuietZone;
  const std::string n = std::to_string(size);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + n + " " + n +
                    "\" width=\"" + std::to_string(size * 4) + "\" height=\"" +
                    std::to_string(size * 4) + "\" shape-rendering=\"crispEdges\" data-uri=\"";
  QrXmlEscape(text, &svg);
  svg += "\" data-version=\"" + std::to_string(matrix.version) + "\" data-level=\"" +
         QrLevelName(matrix.level) + "\"><title>";
  QrXmlEscape(text, &svg);
  svg += "</title><rect width=\"" + n + "\" height=\"" + n + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < matrix.width; ++y) {
    int x = 0;
    while (x < matrix.width) {
      if (!matrix.Dark(x, y)) {
        ++x;
        continue;
      }
      int run = 0;
      while (x + run < matrix.width && matrix.Dark(x + run, y)) ++run;
      std::string len = std::to_string(run);
      svg += "M" + std::to_string(x + kQrQuietZone) + " " + std::to_string(y + kQrQuietZone) +
             "h" + len + "v1h-" + len + "z";
      x += run;
    }
  }
  svg += "\"/></svg>\n";
  return svg;
}

std::string QrAssetUri(std::string_view public_url, const chain::Asset& asset) {
  if (auto path = DigitalLinkPath(asset)) return std::string(public_url) + *path;
  return std::string(public_url) + "/asset/" + asset.id.ToHex();
}

void RegisterQrRoutes(RestRoutes& routes) {
  routes.Add("GET", "/v1/assets/{id}/qr.svg", QrHandle);
}

}  // namespace waybill::node
