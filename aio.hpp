// aiocpp: include everything. #include <aio/aio.hpp>
#pragma once

#include "runtime/address.hpp"
#include "runtime/dns.hpp"
#include "runtime/error.hpp"
#include "runtime/event.hpp"
#include "runtime/gather.hpp"
#include "runtime/loop.hpp"
#include "runtime/result.hpp"
#include "runtime/scope.hpp"
#include "runtime/semaphore.hpp"
#include "runtime/signal.hpp"
#include "runtime/sleep.hpp"
#include "runtime/stream.hpp"
#include "runtime/task.hpp"
#include "runtime/tcp.hpp"
#include "runtime/timeout.hpp"

#include "http/error.hpp"
#include "http/headers.hpp"
#include "http/options.hpp"
#include "http/response.hpp"
#include "http/session.hpp"
#include "http/url.hpp"

#include "json/document.hpp"
#include "json/parse.hpp"
#include "json/writer.hpp"
