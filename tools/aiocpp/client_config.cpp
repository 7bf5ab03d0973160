#include "client_config.hpp"

#include <chrono>

namespace aiocpp_cli {

const char* const kClientOptionsHelp =
    "  -H, --header 'K: V'      add a request header (repeatable)\n"
    "      --timeout S          limit the whole request to S seconds (also --max-time)\n"
    "      --connect-timeout S  limit waiting for and opening a connection\n"
    "  -L, --location           follow redirects\n"
    "      --max-redirs N       at most N redirects (default 10)\n"
    "  -f, --fail               treat an HTTP status >= 400 as an error (exit 22)\n"
    "  -k, --insecure           do not verify TLS certificates (https)\n"
    "      --cacert FILE        trust the CAs in FILE (https)\n"
    "      --cert FILE --key F  client certificate and key (https)\n";

namespace {
std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(0, 1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}
std::chrono::milliseconds ms(double s) { return std::chrono::milliseconds(static_cast<long long>(s * 1000 + 0.5)); }
}  // namespace

void add_header(aio::http::Headers& h, const std::string& spec) {
  std::size_t colon = spec.find(':');
  if (colon == std::string::npos || colon == 0) throw UsageError{"bad header '" + spec + "' (expected 'Name: value')"};
  h.set(trim(spec.substr(0, colon)), trim(spec.substr(colon + 1)));
}

bool ClientConfig::parse(Args& a) {
  if (auto v = a.option("--header", "-H")) return add_header(headers, *v), true;
  if (auto v = a.option("--timeout")) return timeout_s = parse_seconds(*v, "--timeout"), true;
  if (auto v = a.option("--max-time", "-m")) return timeout_s = parse_seconds(*v, "--max-time"), true;
  if (auto v = a.option("--connect-timeout")) return connect_timeout_s = parse_seconds(*v, "--connect-timeout"), true;
  if (a.flag("--location", "-L")) return follow = true, true;
  if (auto v = a.option("--max-redirs")) return max_redirs = static_cast<int>(parse_count(*v, "--max-redirs")), true;
  if (a.flag("--fail", "-f")) return fail = true, true;
  if (a.flag("--insecure", "-k")) return insecure = true, true;
  if (auto v = a.option("--cacert")) return cacert = *v, true;
  if (auto v = a.option("--cert", "-E")) return cert = *v, true;
  if (auto v = a.option("--key")) return key = *v, true;
  return false;
}

aio::http::SessionOptions ClientConfig::session_options() const {
  aio::http::SessionOptions o;
  o.headers = headers;
  if (timeout_s) o.timeout.total = ms(*timeout_s);
  else o.timeout.total = std::nullopt;  // like curl: no overall limit unless asked
  if (connect_timeout_s) o.timeout.connect = ms(*connect_timeout_s);
  o.follow_redirects = follow;
  o.max_redirects = max_redirs;
  o.tls.verify = !insecure;
  o.tls.ca_file = cacert;
  o.tls.cert_file = cert;
  o.tls.key_file = key;
  return o;
}

}  // namespace aiocpp_cli
