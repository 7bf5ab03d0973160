#include "exit_codes.hpp"

#include <aio/http/error.hpp>

namespace aiocpp_cli {

using aio::http::Errc;

int exit_code_for(const std::exception_ptr& e) {
  if (!e) return kOk;
  try {
    std::rethrow_exception(e);
  } catch (const aio::http::CertificateError&) {
    return kCertificate;
  } catch (const aio::http::TlsError&) {
    return kTls;
  } catch (const aio::TimeoutError&) {
    return kTimeout;
  } catch (const aio::http::InvalidUrl&) {
    return kMalformedUrl;
  } catch (const aio::http::TooManyRedirects&) {
    return kTooManyRedirects;
  } catch (const aio::http::ResponseError&) {
    return kHttpError;
  } catch (const aio::http::ProtocolError&) {
    return kMalformedResponse;
  } catch (const aio::http::ConnectorError& x) {
    return x.code() == Errc::resolve_failed ? kResolve : kConnect;
  } catch (const aio::http::ServerDisconnectedError& x) {
    if (x.code() == Errc::empty_reply) return kEmptyReply;
    if (x.code() == Errc::send_failed) return kSend;
    return kReceive;
  } catch (const aio::http::PayloadError& x) {
    if (x.code() == Errc::bad_encoding) return kBadEncoding;
    if (x.code() == Errc::truncated_body) return kTruncatedBody;
    return kReceive;
  } catch (const aio::http::ClientError& x) {
    if (x.code() == Errc::invalid_argument) return kUsage;
    if (x.code() == Errc::body_read_failed) return kReadFile;
    if (x.code() == Errc::body_not_replayable) return kSendRewind;
    if (x.code() == Errc::tls_failed) return kTls;
    return kOther;
  } catch (...) {
    return kOther;
  }
}

std::string message_for(const std::exception_ptr& e) {
  if (!e) return {};
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace aiocpp_cli
