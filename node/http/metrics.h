// The node's metrics: a small registry of counters, gauges and histograms, rendered in the
// Prometheus text exposition format 0.0.4 for GET /metrics (docs/API.md "Metrics").
//
// Bounded: a family's label sets come from bounded sets (route patterns, status codes,
// "inbound"/"outbound"), never from raw paths or anything a client chooses freely; on top of
// that the registry holds at most max_series series in all. A new series beyond the cap is
// dropped (its updates are ignored) and counted in waybill_metrics_dropped_series_total.
//
// Thread-safe: every method may be called from any thread. Callbacks (gauges and counters read
// at render time) run without the registry's lock held, so a callback may take another part's
// lock even if that part updates metrics while holding it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace waybill::node {

struct HttpRequest;
struct HttpResponse;

// Label names and values of one series, in the order given (names: [a-zA-Z_][a-zA-Z0-9_]*).
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Bucket bounds (upper, inclusive, increasing; +Inf is implicit) for request and
// block-connect durations in seconds.
std::vector<double> DefaultSecondsBuckets();

class Metrics {
 public:
  static constexpr size_t kDefaultMaxSeries = 1000;
  explicit Metrics(size_t max_series = kDefaultMaxSeries);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Declares a family; Render() lists families in the order declared. A second declaration of
  // a name is ignored (the first wins). name: [a-zA-Z_:][a-zA-Z0-9_:]*.
  void AddCounter(std::string name, std::string help);
  void AddGauge(std::string name, std::string help);
  void AddHistogram(std::string name, std::string help, std::vector<double> bounds);

  // A series of a counter or gauge family whose value is read by calling `read` at render time
  // (e.g. the chain's height). Replaces an earlier callback of the same labels. Ignored if the
  // family is not a declared counter or gauge.
  void SetCallback(std::string_view name, const MetricLabels& labels, std::function<double()> read);
  // Adds `by` (>= 0) to a counter's series, creating it at 0 first.
  void Increment(std::string_view name, const MetricLabels& labels, double by = 1);
  // Records one value in a histogram's series.
  void Observe(std::string_view name, const MetricLabels& labels, double value);

  // One HTTP request answered by a listener ("rpc" or "rest"): counts it in
  // waybill_http_requests_total{listener,route,status} and its duration in
  // waybill_http_request_seconds{listener}. route: the pattern that answered ("" becomes
  // "unmatched"). Both families are declared by the constructor.
  void ObserveRequest(std::string_view listener, std::string_view route, int status,
                      double seconds);
  // An observer for HttpServerOptions::on_request that calls ObserveRequest with `listener` and
  // the response's route and status. REQUIRES: this registry outlives the observer.
  std::function<void(const HttpRequest&, const HttpResponse&, double)> RequestObserver(
      std::string listener);

  // The whole registry in the Prometheus text format 0.0.4 (Content-Type
  // "text/plain; version=0.0.4; charset=utf-8"): "# HELP" and "# TYPE" for every family, then
  // its series sorted by labels; histograms as _bucket{le=...} (cumulative, ending with "+Inf"),
  // _sum and _count. A family without series shows only its HELP and TYPE lines.
  std::string Render() const;
  size_t series() const;
  uint64_t dropped_series() const;

  // The node's health as GET /healthz reports it: nullopt while healthy, else a short reason
  // ("stopping", "the chain database failed"). The first reason set stays.
  void SetUnhealthy(std::string reason);
  std::optional<std::string> Unhealthy() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    double value = 0;                                 // counter / gauge without callback
    std::shared_ptr<std::function<double()>> read;    // set: the value is read at render time
    std::vector<uint64_t> buckets;                    // histogram: one per bound, plus +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type = Type::kCounter;
    std::vector<double> bounds;
    std::map<MetricLabels, Series> series;
  };
  void AddFamily(std::string name, std::string help, Type type, std::vector<double> bounds);
  // The series (created if the cap allows); null if the family is unknown, of another type,
  // or the cap is reached. REQUIRES: mu_ held.
  Series* FindSeries(std::string_view name, const MetricLabels& labels, Type type, bool gauge_ok);
  static std::string RenderFamily(const Family& family,
                                  const std::vector<std::optional<double>>& values);

  const size_t max_series_;
  mutable std::mutex mu_;
  // Guarded by mu_.
  std::vector<Family> families_;
  size_t series_ = 0;
  uint64_t dropped_ = 0;
  std::optional<std::string> unhealthy_;
};

// The Prometheus text format's escaping of a label value (\\, \", \n) and of HELP text (\\, \n).
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);
// A sample value as the text format writes it: shortest round-trip decimal, "+Inf", "-Inf",
// "NaN".
std::string FormatMetricValue(double value);

}  // namespace waybill::node
