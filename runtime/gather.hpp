// aio::gather: run tasks concurrently and collect their results.
//
//   auto [a, b] = co_await aio::gather(task_a(), task_b());
//   std::vector<int> v = co_await aio::gather(std::move(tasks));
//   auto results = co_await aio::gather(std::move(tasks), aio::return_exceptions);
//   auto [ra, rb] = co_await aio::gather(aio::return_exceptions, task_a(), task_b());
//
// All tasks start at once (in argument order, each running until its first
// suspension); results come back in argument order, with std::monostate for
// Task<void>. Without return_exceptions, the first failure cancels the other
// tasks, waits until they have unwound, and is rethrown. With
// return_exceptions, gather waits for all and returns an aio::Result per task.
// Cancelling the gather cancels every task, waits for them, and throws
// CancelledError.
#pragma once

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "detail/gather_core.hpp"
#include "result.hpp"
#include "task.hpp"

namespace aio {

struct ReturnExceptions {};
inline constexpr ReturnExceptions return_exceptions{};

template <class T>
using GatherValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

namespace detail {

template <class T>
GatherChild gather_child(const Task<T>& t) noexcept {
  auto h = t.handle();
  return {h, &h.promise()};
}

template <class T>
GatherValue<T> gather_take(Task<T>& t) {
  if constexpr (std::is_void_v<T>) {
    t.handle().promise().result();
    return {};
  } else {
    return t.handle().promise().result();
  }
}

template <class T>
Result<T> gather_take_result(Task<T>& t) {
  auto& p = t.handle().promise();
  if (p.exception()) return Result<T>(p.exception());
  if constexpr (std::is_void_v<T>)
    return Result<void>();
  else
    return Result<T>(p.result());
}

}  // namespace detail

template <class T>
Task<std::vector<GatherValue<T>>> gather(std::vector<Task<T>> tasks) {
  std::vector<detail::GatherChild> children;
  children.reserve(tasks.size());
  for (auto& t : tasks) children.push_back(detail::gather_child(t));
  detail::GatherCore core(children.data(), children.size(), false);
  co_await core;
  std::vector<GatherValue<T>> out;
  out.reserve(tasks.size());
  for (auto& t : tasks) out.push_back(detail::gather_take(t));
  co_return out;
}

template <class T>
Task<std::vector<Result<T>>> gather(std::vector<Task<T>> tasks, ReturnExceptions) {
  std::vector<detail::GatherChild> children;
  children.reserve(tasks.size());
  for (auto& t : tasks) children.push_back(detail::gather_child(t));
  detail::GatherCore core(children.data(), children.size(), true);
  co_await core;
  std::vector<Result<T>> out;
  out.reserve(tasks.size());
  for (auto& t : tasks) out.push_back(detail::gather_take_result(t));
  co_return out;
}

template <class... Ts>
Task<std::tuple<GatherValue<Ts>...>> gather(Task<Ts>... tasks) {
  std::array<detail::GatherChild, sizeof...(Ts)> children{detail::gather_child(tasks)...};
  detail::GatherCore core(children.data(), children.size(), false);
  co_await core;
  co_return std::tuple<GatherValue<Ts>...>(detail::gather_take(tasks)...);
}

template <class... Ts>
Task<std::tuple<Result<Ts>...>> gather(ReturnExceptions, Task<Ts>... tasks) {
  std::array<detail::GatherChild, sizeof...(Ts)> children{detail::gather_child(tasks)...};
  detail::GatherCore core(children.data(), children.size(), true);
  co_await core;
  co_return std::tuple<Result<Ts>...>(detail::gather_take_result(tasks)...);
}

}  // namespace aio
