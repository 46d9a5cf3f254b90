#include "node/http/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "node/http/message.h"

namespace waybill::node {
namespace {

constexpr char kRequestsTotal[] = "waybill_http_requests_total";
constexpr char kRequestSeconds[] = "waybill_http_request_seconds";
constexpr char kDroppedSeries[] = "waybill_metrics_dropped_series_total";

const char* TypeName(int type) {
  switch (type) {
    case 0:
      return "counter";
    case 1:
      return "gauge";
    default:
      return "histogram";
  }
}

// {a="x",b="y"} with `extra` (le) appended; "" for no labels at all.
std::string FormatLabels(const MetricLabels& labels,
                         const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && extra == nullptr) return "";
  std::string out = "{";
  auto add = [&out](const std::string& name, const std::string& value) {
    if (out.size() > 1) out.push_back(',');
    out += name;
    out += "=\"";
    out += EscapeLabelValue(value);
    out.push_back('"');
  };
  for (const auto& [name, value] : labels) add(name, value);
  if (extra != nullptr) add(extra->first, extra->second);
  out.push_back('}');
  return out;
}

}  // namespace

std::vector<double> DefaultSecondsBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) return "NaN";
  return std::string(buffer, end);
}

Metrics::Metrics(size_t max_series) : max_series_(max_series) {
  AddCounter(kRequestsTotal, "HTTP requests answered, by listener, route pattern and status.");
  AddHistogram(kRequestSeconds, "Time to answer an HTTP request, by listener.",
               DefaultSecondsBuckets());
  AddCounter(kDroppedSeries,
             "Series not created because the registry holds its maximum number of series.");
  SetCallback(kDroppedSeries, {}, [this] { return static_cast<double>(dropped_series()); });
}

void Metrics::AddFamily(std::string name, std::string help, Type type,
                        std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Family& f : families_) {
    if (f.name == name) return;
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  std::erase_if(bounds, [](double b) { return !std::isfinite(b); });
  Family family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  family.bounds = std::move(bounds);
  families_.push_back(std::move(family));
}

void Metrics::AddCounter(std::string name, std::string help) {
  AddFamily(std::move(name), std::move(help), Type::kCounter, {});
}

void Metrics::AddGauge(std::string name, std::string help) {
  AddFamily(std::move(name), std::move(help), Type::kGauge, {});
}

void Metrics::AddHistogram(std::string name, std::string help, std::vector<double> bounds) {
  AddFamily(std::move(name), std::move(help), Type::kHistogram, std::move(bounds));
}

Metrics::Series* Metrics::FindSeries(std::string_view name, const MetricLabels& labels, Type type,
                                     bool gauge_ok) {
  for (Family& family : families_) {
    if (family.name != name) continue;
    if (family.type != type && !(gauge_ok && family.type == Type::kGauge)) return nullptr;
    auto it = family.series.find(labels);
    if (it != family.series.end()) return &it->second;
    if (series_ >= max_series_) {
      ++dropped_;
      return nullptr;
    }
    ++series_;
    Series& s = family.series[labels];
    if (family.type == Type::kHistogram) s.buckets.assign(family.bounds.size() + 1, 0);
    return &s;
  }
  return nullptr;
}

void Metrics::SetCallback(std::string_view name, const MetricLabels& labels,
                          std::function<double()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Series* s = FindSeries(name, labels, Type::kCounter, /*gauge_ok=*/true)) {
    s->read = std::make_shared<std::function<double()>>(std::move(read));
  }
}

void Metrics::Increment(std::string_view name, const MetricLabels& labels, double by) {
  if (!(by >= 0)) return;  // a counter never goes down (NaN refused too)
  std::lock_guard<std::mutex> lock(mu_);
  if (Series* s = FindSeries(name, labels, Type::kCounter, /*gauge_ok=*/false)) s->value += by;
}

void Metrics::Observe(std::string_view name, const MetricLabels& labels, double value) {
  if (std::isnan(value)) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Family& family : families_) {
    if (family.name != name) continue;
    Series* s = FindSeries(name, labels, Type::kHistogram, /*gauge_ok=*/false);
    if (s == nullptr) return;
    // The first bucket whose bound is >= value (buckets are stored non-cumulative).
    size_t i = std::lower_bound(family.bounds.begin(), family.bounds.end(), value) -
               family.bounds.begin();
    ++s->buckets[i];
    s->sum += value;
    ++s->count;
    return;
  }
}

void Metrics::ObserveRequest(std::string_view listener, std::string_view route, int status,
                             double seconds) {
  const std::string route_label = route.empty() ? "unmatched" : std::string(route);
  Increment(kRequestsTotal,
            {{"listener", std::string(listener)},
             {"route", route_label},
             {"status", std::to_string(status)}});
  Observe(kRequestSeconds, {{"listener", std::string(listener)}}, seconds);
}

std::function<void(const HttpRequest&, const HttpResponse&, double)> Metrics::RequestObserver(
    std::string listener) {
  return [this, listener = std::move(listener)](const HttpRequest&, const HttpResponse& response,
                                                double seconds) {
    ObserveRequest(listener, response.route, response.status, seconds);
  };
}

size_t Metrics::series() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_;
}

uint64_t Metrics::dropped_series() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void Metrics::SetUnhealthy(std::string reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!unhealthy_) unhealthy_ = std::move(reason);
}

std::optional<std::string> Metrics::Unhealthy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unhealthy_;
}

std::string Metrics::RenderFamily(const Family& family,
                                  const std::vector<std::optional<double>>& values) {
  std::string out = "# HELP " + family.name + " " + EscapeHelp(family.help) + "\n";
  out += "# TYPE " + family.name + " " + TypeName(static_cast<int>(family.type)) + "\n";
  size_t index = 0;
  for (const auto& [labels, s] : family.series) {
    if (family.type != Type::kHistogram) {
      const std::optional<double>& read = values[index++];
      out += family.name + FormatLabels(labels) + " " +
             FormatMetricValue(read ? *read : s.value) + "\n";
      continue;
    }
    uint64_t cumulative = 0;
    for (size_t i = 0; i < s.buckets.size(); ++i) {
      cumulative += s.buckets[i];
      const std::pair<std::string, std::string> le{
          "le", i < family.bounds.size() ? FormatMetricValue(family.bounds[i]) : "+Inf"};
      out += family.name + "_bucket" + FormatLabels(labels, &le) + " " +
             std::to_string(cumulative) + "\n";
    }
    out += family.name + "_sum" + FormatLabels(labels) + " " + FormatMetricValue(s.sum) + "\n";
    out += family.name + "_count" + FormatLabels(labels) + " " + std::to_string(s.count) + "\n";
  }
  return out;
}

std::string Metrics::Render() const {
  // A copy taken under the lock; the callbacks run after it is released (see metrics.h).
  std::vector<Family> families;
  {
    std::lock_guard<std::mutex> lock(mu_);
    families = families_;
  }
  std::string out;
  for (const Family& family : families) {
    std::vector<std::optional<double>> values;
    values.reserve(family.series.size());
    for (const auto& [labels, s] : family.series) {
      values.push_back(s.read && *s.read ? std::optional<double>((*s.read)()) : std::nullopt);
    }
    out += RenderFamily(family, values);
  }
  return out;
}

}  // namespace waybill::node
