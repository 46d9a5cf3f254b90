// The explorer page's files (web/), embedded in the binary at build time by
// node/rest/embed_web.cmake: the REST listener serves them and nothing else from disk.
#pragma once

#include <span>
#include <string_view>

namespace waybill::node {

struct WebFile {
  std::string_view path;          // the file name in web/ ("index.html", "app.js")
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view bytes;
};

// Every embedded file, sorted by path.
std::span<const WebFile> EmbeddedWebFiles();
// The file named path; null if there is none.
const WebFile* FindWebFile(std::string_view path);

}  // namespace waybill::node
