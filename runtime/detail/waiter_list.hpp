// An intrusive FIFO list of waiting awaiters (no allocation per wait).
#pragma once

namespace aio::detail {

class WaiterNode {
 public:
  WaiterNode() = default;
  WaiterNode(const WaiterNode&) = delete;
  WaiterNode& operator=(const WaiterNode&) = delete;

 public:
  bool linked() const noexcept { return list_ != nullptr; }

 private:
  template <class T>
  friend class WaiterList;
  WaiterNode* prev_ = nullptr;
  WaiterNode* next_ = nullptr;
  void* list_ = nullptr;
};

template <class T>  // T derives from WaiterNode
class WaiterList {
 public:
  bool empty() const noexcept { return head_ == nullptr; }

  void push_back(T* t) noexcept {
    WaiterNode* n = t;
    n->list_ = this;
    n->prev_ = tail_;
    n->next_ = nullptr;
    if (tail_)
      tail_->next_ = n;
    else
      head_ = n;
    tail_ = n;
  }

  T* pop_front() noexcept {
    WaiterNode* n = head_;
    if (n == nullptr) return nullptr;
    unlink(static_cast<T*>(n));
    return static_cast<T*>(n);
  }

  // Calls f(T*) for each node, front to back; f must not unlink other nodes.
  template <class F>
  void for_each(F f) {
    for (WaiterNode* n = head_; n != nullptr;) {
      WaiterNode* next = n->next_;
      f(static_cast<T*>(n));
      n = next;
    }
  }

  // The first node, front to back, for which pred(T*) is true (nullptr if
  // none); the scan stops there. pred must not unlink nodes.
  template <class F>
  T* find(F pred) {
    for (WaiterNode* n = head_; n != nullptr; n = n->next_)
      if (pred(static_cast<T*>(n))) return static_cast<T*>(n);
    return nullptr;
  }

  void unlink(T* t) noexcept {
    WaiterNode* n = t;
    if (n->list_ != this) return;
    (n->prev_ ? n->prev_->next_ : head_) = n->next_;
    (n->next_ ? n->next_->prev_ : tail_) = n->prev_;
    n->prev_ = n->next_ = nullptr;
    n->list_ = nullptr;
  }

 private:
  WaiterNode* head_ = nullptr;
  WaiterNode* tail_ = nullptr;
};

}  // namespace aio::detail
