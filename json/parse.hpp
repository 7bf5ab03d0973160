// aio::json::parse: a JSON text in memory to a Document.
//
//   aio::json::Document doc = aio::json::parse(R"({"ok": true})");
//   bool ok = doc["ok"].get<bool>();
//
// The text is copied once into the Document's padded buffer (a temporary
// string may be passed: the Document does not point into it). To build the
// text piece by piece without a second copy, use PaddedBuffer
// (json/document.hpp). Throws JsonError, with the byte offset of the error.
#pragma once

#include <string_view>

#include "document.hpp"

namespace aio::json {

Document parse(std::string_view text, const ParseOptions& options = ParseOptions());

}  // namespace aio::json
