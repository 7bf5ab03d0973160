#include "detail/gather_core.hpp"

#include "error.hpp"
#include "loop.hpp"

namespace aio::detail {

bool GatherCore::start(PromiseBase& parent, std::coroutine_handle<> h) noexcept {
  parent_ = &parent;
  parent_handle_ = h;
  pending_ = count_ + 1;  // +1: this loop, so a child ending inline cannot finish us
  parent.set_waiting_on(this);
  for (std::size_t i = 0; i < count_; ++i) {
    PromiseBase& c = *children_[i].promise;
    c.inherit_cancel(parent);
    if (cancelled_ || (first_error_ && !return_exceptions_)) c.cancel();
    c.start_callback(&GatherCore::on_child_done, this);
    children_[i].handle.resume();
  }
  if (--pending_ == 0) {
    parent.set_waiting_on(nullptr);
    return false;
  }
  suspended_ = true;
  return true;
}

void GatherCore::on_child_done(PromiseBase& child, void* self) noexcept {
  auto* g = static_cast<GatherCore*>(self);
  if (child.exception() && !g->first_error_) {
    g->first_error_ = child.exception();
    if (!g->return_exceptions_) g->cancel_children();
  }
  if (--g->pending_ == 0 && g->suspended_) Loop::current().schedule(g->parent_handle_);
}

void GatherCore::cancel_children() noexcept {
  for (std::size_t i = 0; i < count_; ++i)
    if (children_[i].promise->started() && !children_[i].handle.done()) children_[i].promise->cancel();
}

void GatherCore::cancel() noexcept {
  // The parent was cancelled: cancel every child and keep waiting until all
  // have unwound.
  cancelled_ = true;
  cancel_children();
}

void GatherCore::await_resume() {
  if (parent_) parent_->set_waiting_on(nullptr);
  if (!return_exceptions_ && first_error_) std::rethrow_exception(first_error_);
  if (cancelled_) throw CancelledError();
}

}  // namespace aio::detail
