#include "request_body.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <aio/http/error.hpp>

namespace aiocpp_cli {

namespace {

[[noreturn]] void cannot_read(const std::string& name) {
  throw aio::http::ClientError(make_error_code(aio::http::Errc::body_read_failed),
                               "cannot read " + name + ": " + std::strerror(errno));
}

// The whole of FILE ("-": stdin), for -d @FILE and -F name=<FILE.
std::string slurp(const std::string& name) {
  if (name == "-") {
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) cannot_read("stdin");
    return all;
  }
  std::ifstream in(name, std::ios::binary);
  if (!in) cannot_read(name);
  std::ostringstream all;
  all << in.rdbuf();
  if (in.bad()) cannot_read(name);
  return all.str();
}

std::string without_newlines(std::string s) {
  std::erase_if(s, [](char c) { return c == '\r' || c == '\n'; });
  return s;
}

std::string basename_of(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

void RequestBody::set_kind(Kind k, const char* option) {
  if (kind_ != Kind::none && kind_ != k) throw UsageError{std::string(option) + " cannot be combined with another body option"};
  kind_ = k;
}

bool RequestBody::parse(Args& a) {
  if (auto v = a.option("--data", "-d")) {
    set_kind(Kind::data, "--data");
    data_.push_back(*v);
  } else if (auto v = a.option("--data-binary")) {
    set_kind(Kind::binary, "--data-binary");
    if (!data_.empty() || !file_.empty()) throw UsageError{"--data-binary given twice"};
    if (!v->empty() && (*v)[0] == '@')
      file_ = v->substr(1);
    else
      data_.push_back(*v);
  } else if (auto v = a.option("--json")) {
    set_kind(Kind::json, "--json");
    data_.push_back(*v);
  } else if (auto v = a.option("--upload-file", "-T")) {
    set_kind(Kind::upload, "--upload-file");
    if (!file_.empty()) throw UsageError{"--upload-file given twice"};
    file_ = *v;
  } else if (auto v = a.option("--form", "-F")) {
    set_kind(Kind::form, "--form");
    if (v->find('=') == std::string::npos) throw UsageError{"--form wants name=value, name=@FILE or name=<FILE"};
    form_.push_back(*v);
  } else {
    return false;
  }
  return true;
}

std::string RequestBody::adjust_url(const std::string& url) const {
  if (kind_ != Kind::upload || file_ == "-" || url.empty() || url.back() != '/') return url;
  return url + basename_of(file_);
}

std::string RequestBody::apply(aio::http::RequestOptions& o, aio::http::Headers& headers) const {
  switch (kind_) {
    case Kind::none:
      return "";
    case Kind::data: {
      std::string joined;
      for (const std::string& d : data_) {
        if (!joined.empty()) joined.push_back('&');
        joined += !d.empty() && d[0] == '@' ? without_newlines(slurp(d.substr(1))) : d;
      }
      std::string shown = "[" + std::to_string(joined.size()) + " bytes of body]";
      o.body(std::move(joined), "application/x-www-form-urlencoded");
      return shown;
    }
    case Kind::binary:
      if (file_.empty()) {
        o.body(data_.front(), "application/x-www-form-urlencoded");
        return "[" + std::to_string(data_.front().size()) + " bytes of body]";
      }
      if (file_ == "-")
        o.file(0, "application/x-www-form-urlencoded");
      else
        o.file(file_, "application/x-www-form-urlencoded");
      return streamed();
    case Kind::json:
      o.json_text(data_.front());
      headers.set("Accept", "application/json");
      return "[" + std::to_string(data_.front().size()) + " bytes of body]";
    case Kind::upload:
      if (file_ == "-")
        o.file(0);
      else
        o.file(file_);
      return streamed();
    case Kind::form: {
      aio::http::FormData form;
      for (const std::string& spec : form_) {
        std::size_t eq = spec.find('=');
        std::string name = spec.substr(0, eq);
        std::string value = spec.substr(eq + 1);
        if (value.empty() || (value[0] != '@' && value[0] != '<')) {
          form.field(name, value);
          continue;
        }
        // name=@FILE;type=T;filename=N (curl's attributes).
        std::string path = value.substr(1);
        std::string type;
        std::string filename;
        std::size_t semi = path.find(';');
        if (semi != std::string::npos) {
          std::string attrs = path.substr(semi + 1);
          path.resize(semi);
          std::size_t at = 0;
          while (at <= attrs.size()) {
            std::size_t end = attrs.find(';', at);
            if (end == std::string::npos) end = attrs.size();
            std::string attr = attrs.substr(at, end - at);
            if (attr.rfind("type=", 0) == 0)
              type = attr.substr(5);
            else if (attr.rfind("filename=", 0) == 0)
              filename = attr.substr(9);
            else if (!attr.empty())
              throw UsageError{"--form: unknown attribute '" + attr + "'"};
            at = end + 1;
          }
        }
        if (value[0] == '<')
          form.field(name, slurp(path), type);
        else if (path == "-")
          form.bytes(name, slurp("-"), filename.empty() ? "-" : filename, type);
        else
          form.file(name, path, filename, type);
      }
      o.multipart(std::move(form));
      return "[multipart/form-data body]";
    }
  }
  return "";
}

std::string RequestBody::streamed() const {
  return "[body streamed from " + (file_ == "-" ? std::string("stdin") : file_) + "]";
}

}  // namespace aiocpp_cli
