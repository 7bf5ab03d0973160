#include "options.hpp"

#include "url.hpp"

namespace aio::http {

RequestOptions& RequestOptions::header(std::string name, std::string value) {
  headers_.set(std::move(name), std::move(value));
  return *this;
}

RequestOptions& RequestOptions::param(std::string name, std::string value) {
  params_.emplace_back(std::move(name), std::move(value));
  return *this;
}

RequestOptions& RequestOptions::params(Params p) {
  for (auto& kv : p) params_.push_back(std::move(kv));
  return *this;
}

RequestOptions& RequestOptions::body(std::string bytes, std::string content_type) {
  body_ = std::move(bytes);
  source_ = nullptr;
  content_type_ = content_type.empty() ? "application/octet-stream" : std::move(content_type);
  return *this;
}

RequestOptions& RequestOptions::text(std::string utf8) {
  return body(std::move(utf8), "text/plain; charset=utf-8");
}

RequestOptions& RequestOptions::form(Params fields) {
  return body(form_urlencode(fields), "application/x-www-form-urlencoded");
}

RequestOptions& RequestOptions::json_text(std::string json) {
  return body(std::move(json), "application/json");
}

RequestOptions& RequestOptions::json(const aio::json::Node& value) {
  return json_text(value.to_json());
}

RequestOptions& RequestOptions::json(const aio::json::Object& value) {
  aio::json::Writer w;
  w.value(value);
  return json_text(std::move(w).str());
}

RequestOptions& RequestOptions::json(const aio::json::Array& value) {
  aio::json::Writer w;
  w.value(value);
  return json_text(std::move(w).str());
}

RequestOptions& RequestOptions::json(const aio::json::Writer& writer) {
  return json_text(writer.str());
}

RequestOptions& RequestOptions::stream(BodyGenerator next, std::string content_type) {
  source_ = [next = std::move(next)](std::string&) { return std::make_unique<detail::GeneratorSource>(next); };
  body_.reset();
  content_type_ = content_type.empty() ? "application/octet-stream" : std::move(content_type);
  return *this;
}

RequestOptions& RequestOptions::file(std::string path, std::string content_type) {
  source_ = [path = std::move(path)](std::string&) { return std::make_unique<detail::FileSource>(path); };
  body_.reset();
  content_type_ = content_type.empty() ? "application/octet-stream" : std::move(content_type);
  return *this;
}

RequestOptions& RequestOptions::file(int fd, std::string content_type) {
  source_ = [fd](std::string&) { return std::make_unique<detail::FileSource>(fd); };
  body_.reset();
  content_type_ = content_type.empty() ? "application/octet-stream" : std::move(content_type);
  return *this;
}

RequestOptions& RequestOptions::multipart(FormData form) {
  source_ = [form = std::move(form)](std::string& content_type) mutable {
    std::unique_ptr<BodySource> s = form.open();
    content_type = form.content_type();
    return s;
  };
  body_.reset();
  return *this;
}

RequestOptions& RequestOptions::timeout(Timeout t) {
  timeout_ = t;
  return *this;
}

RequestOptions& RequestOptions::allow_redirects(bool follow) {
  follow_ = follow;
  return *this;
}

RequestOptions& RequestOptions::max_redirects(int n) {
  max_redirects_ = n;
  return *this;
}

RequestOptions& RequestOptions::raise_for_status(bool raise) {
  raise_ = raise;
  return *this;
}

RequestOptions& RequestOptions::verify_tls(bool verify) {
  verify_ = verify;
  return *this;
}

}  // namespace aio::http
