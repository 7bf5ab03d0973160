#include "writer.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

#include "detail/utf8.hpp"

namespace aio::json {
namespace {

[[noreturn]] void misuse(const char* what) {
  throw JsonError(Errc::writer_misuse, std::string("JSON writer: ") + what);
}

// The characters below 0x20, '"' and '\' need an escape.
constexpr bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

void append_double(std::string& out, double d) {
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view s(buf, static_cast<std::size_t>(end - buf));
  out.append(s);
  // Keep a double a double: "1" would come back as an integer.
  if (s.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

void check_utf8(std::string_view s) {
  std::size_t bad = detail::first_invalid_utf8(s);
  if (bad != std::string_view::npos)
    throw JsonError(Errc::invalid_utf8,
                    "JSON writer: string is not valid UTF-8 at byte " + std::to_string(bad), bad);
}

// `s` is known to be UTF-8.
void append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!needs_escape(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

}  // namespace

void append_quoted(std::string& out, std::string_view s) {
  check_utf8(s);
  append_escaped(out, s);
}

void Writer::before_value() {
  if (stack_.empty()) {
    if (started_) misuse("a second root value");
    started_ = true;
    return;
  }
  Level& top = stack_.back();
  if (top.object) {
    if (!top.awaiting_value) misuse("a value where an object member's key is due");
    top.awaiting_value = false;
    return;
  }
  if (!top.first) out_ += ',';
  top.first = false;
}

void Writer::open(bool object) {
  before_value();
  out_ += object ? '{' : '[';
  stack_.push_back(Level{object});
}

void Writer::close(bool object) {
  if (stack_.empty() || stack_.back().object != object)
    misuse(object ? "end_object() outside an object" : "end_array() outside an array");
  if (stack_.back().awaiting_value) misuse("end_object() after a key with no value");
  stack_.pop_back();
  out_ += object ? '}' : ']';
}

Writer& Writer::begin_object() {
  open(true);
  return *this;
}
Writer& Writer::end_object() {
  close(true);
  return *this;
}
Writer& Writer::begin_array() {
  open(false);
  return *this;
}
Writer& Writer::end_array() {
  close(false);
  return *this;
}

Writer& Writer::key(std::string_view k) {
  if (stack_.empty() || !stack_.back().object) misuse("a key outside an object");
  Level& top = stack_.back();
  if (top.awaiting_value) misuse("two keys in a row");
  check_utf8(k);
  if (!top.first) out_ += ',';
  append_escaped(out_, k);
  out_ += ':';
  top.first = false;
  top.awaiting_value = true;
  return *this;
}

Writer& Writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

Writer& Writer::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

Writer& Writer::write_int(std::int64_t v) {
  before_value();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, end);
  return *this;
}

Writer& Writer::write_uint(std::uint64_t v) {
  before_value();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, end);
  return *this;
}

Writer& Writer::value(double d) {
  if (!std::isfinite(d))
    throw JsonError(
        Errc::invalid_value,
        std::string("JSON writer: ") + (std::isnan(d) ? "NaN" : "infinity") + " has no JSON form");
  before_value();
  append_double(out_, d);
  return *this;
}

Writer& Writer::value(std::string_view s) {
  check_utf8(s);
  before_value();
  append_escaped(out_, s);
  return *this;
}

// Built values: an explicit stack of the containers being written, so depth
// costs heap, not stack. A throw (a string that is not UTF-8, a NaN) cuts
// the text back and restores the Writer to where it was before the call.
Writer& Writer::write_built(const Node* node, const Array* array, const Object* object) {
  struct Frame {
    const Array* array;
    const Object* object;
    std::size_t next;
  };
  std::size_t mark = out_.size();
  std::vector<Level> saved_stack = stack_;
  bool saved_started = started_;
  try {
    std::vector<Frame> frames;
    auto open_array = [&](const Array& a) {
      begin_array();
      frames.push_back(Frame{&a, nullptr, 0});
    };
    auto open_object = [&](const Object& o) {
      begin_object();
      frames.push_back(Frame{nullptr, &o, 0});
    };
    auto write_one = [&](const Node& n) {
      switch (n.v_.index()) {
        case 0:
          null();
          break;
        case 1:
          value(std::get<bool>(n.v_));
          break;
        case 2:
          write_int(std::get<std::int64_t>(n.v_));
          break;
        case 3:
          write_uint(std::get<std::uint64_t>(n.v_));
          break;
        case 4:
          value(std::get<double>(n.v_));
          break;
        case 5:
          value(std::string_view(std::get<std::string>(n.v_)));
          break;
        case 6:
          open_array(std::get<Array>(n.v_));
          break;
        case 7:
          open_object(std::get<Object>(n.v_));
          break;
      }
    };
    if (node) write_one(*node);
    if (array) open_array(*array);
    if (object) open_object(*object);
    while (!frames.empty()) {
      Frame& f = frames.back();
      if (f.array) {
        if (f.next == f.array->size()) {
          frames.pop_back();
          end_array();
          continue;
        }
        const Node& item = (*f.array)[f.next++];
        write_one(item);  // may push: `f` is not used after this
      } else {
        auto it = f.object->begin() + static_cast<std::ptrdiff_t>(f.next);
        if (it == f.object->end()) {
          frames.pop_back();
          end_object();
          continue;
        }
        ++f.next;
        key(it->key);
        write_one(it->value);
      }
    }
  } catch (...) {
    out_.resize(mark);
    stack_ = std::move(saved_stack);
    started_ = saved_started;
    throw;
  }
  return *this;
}

Writer& Writer::value(const Node& n) { return write_built(&n, nullptr, nullptr); }
Writer& Writer::value(const Array& a) { return write_built(nullptr, &a, nullptr); }
Writer& Writer::value(const Object& o) { return write_built(nullptr, nullptr, &o); }

Writer& Writer::value(const Value& root) {
  struct Frame {
    bool object;
    ArrayView::iterator ai, ae;
    ObjectView::iterator oi, oe;
  };
  std::size_t mark = out_.size();
  std::vector<Level> saved_stack = stack_;
  bool saved_started = started_;
  try {
    std::vector<Frame> frames;
    auto write_one = [&](const Value& v) {
      switch (v.type()) {
        case Type::null:
          null();
          break;
        case Type::boolean:
          value(v.get<bool>());
          break;
        case Type::int64:
          write_int(v.get<std::int64_t>());
          break;
        case Type::uint64:
          write_uint(v.get<std::uint64_t>());
          break;
        case Type::floating:
          value(v.get<double>());
          break;
        case Type::string:  // a parsed text was validated as UTF-8 already
          before_value();
          append_escaped(out_, v.get<std::string_view>());
          break;
        case Type::array: {
          begin_array();
          ArrayView a = v.as_array();
          Frame f;
          f.object = false;
          f.ai = a.begin();
          f.ae = a.end();
          frames.push_back(f);
          break;
        }
        case Type::object: {
          begin_object();
          ObjectView o = v.as_object();
          Frame f;
          f.object = true;
          f.oi = o.begin();
          f.oe = o.end();
          frames.push_back(f);
          break;
        }
      }
    };
    write_one(root);
    while (!frames.empty()) {
      Frame& f = frames.back();
      if (!f.object) {
        if (f.ai == f.ae) {
          frames.pop_back();
          end_array();
          continue;
        }
        Value item = *f.ai;
        ++f.ai;
        write_one(item);
      } else {
        if (f.oi == f.oe) {
          frames.pop_back();
          end_object();
          continue;
        }
        Member m = *f.oi;
        ++f.oi;
        key(m.key);
        write_one(m.value);
      }
    }
  } catch (...) {
    out_.resize(mark);
    stack_ = std::move(saved_stack);
    started_ = saved_started;
    throw;
  }
  return *this;
}

void Writer::check_complete() const {
  if (!started_) misuse("str() before any value");
  if (!stack_.empty()) misuse("str() with an array or object still open");
}

const std::string& Writer::str() const& {
  check_complete();
  return out_;
}

std::string Writer::str() && {
  check_complete();
  return std::move(out_);
}

std::string Node::to_json() const {
  Writer w;
  w.value(*this);
  return std::move(w).str();
}

}  // namespace aio::json
