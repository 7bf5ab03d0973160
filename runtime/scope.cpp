#include "scope.hpp"

#include <cassert>

#include "error.hpp"
#include "loop.hpp"

namespace aio {

Scope::~Scope() {
  assert(active_ == 0 && "aio::Scope destroyed while tasks still run: join it first");
  reap();
}

void Scope::add(std::coroutine_handle<> h, detail::PromiseBase& p) {
  reap();
  auto* c = new Child;
  c->scope = this;
  c->handle = h;
  c->promise = &p;
  running_.push_back(c);
  ++active_;
  if (cancelled_) p.cancel();
  p.start_callback(&Scope::on_done, c);
  Loop::current().schedule(h);
}

void Scope::on_done(detail::PromiseBase& p, void* child) noexcept {
  auto* c = static_cast<Child*>(child);
  Scope* s = c->scope;
  s->running_.unlink(c);
  s->finished_.push_back(c);  // its frame cannot be freed from inside its own final suspension
  --s->active_;
  if (std::exception_ptr e = p.exception(); e && !s->first_error_) {
    bool cancelled = false;
    try {
      std::rethrow_exception(e);
    } catch (const CancelledError&) {
      cancelled = true;
    } catch (...) {
    }
    if (!cancelled) {
      s->first_error_ = e;
      s->cancel();
    }
  }
  if (s->active_ == 0 && s->joiner_ != nullptr) {
    Joiner* j = std::exchange(s->joiner_, nullptr);
    Loop::current().schedule(j->handle_);
  }
}

void Scope::cancel() noexcept {
  cancelled_ = true;
  // Cancelling only schedules resumptions, so nothing unlinks while we walk.
  running_.for_each([](Child* c) { c->promise->cancel(); });
}

void Scope::reap() noexcept {
  for (Child* c : finished_) {
    c->handle.destroy();
    delete c;
  }
  finished_.clear();
}

void Scope::Joiner::await_resume() {
  scope_.reap();
  if (parent_) parent_->set_waiting_on(nullptr);
  if (std::exception_ptr e = std::exchange(scope_.first_error_, nullptr)) std::rethrow_exception(e);
  if (cancelled_) throw CancelledError();
}

}  // namespace aio
