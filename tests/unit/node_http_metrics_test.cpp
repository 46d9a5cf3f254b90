// node/http/metrics.h: the exact Prometheus text of a few series (counter with labels, gauge
// read through a callback, histogram buckets), escaping, the series cap, and a small line
// checker of the text format 0.0.4 that every rendering must pass.
#include "node/http/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "node/http/message.h"

namespace waybill::node {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Checks one rendering against the text format 0.0.4: every line a "# HELP name text",
// "# TYPE name counter|gauge|histogram" or a sample "name{label="value",...} number"; a
// sample's family declared by TYPE before it (histograms through _bucket/_sum/_count, each
// _bucket with an le label, the last one le="+Inf"); label values properly escaped; each
// family's TYPE at most once. Returns "" or what is wrong and on which line.
std::string CheckExposition(const std::string& text) {
  if (!text.empty() && text.back() != '\n') return "no final newline";
  std::istringstream in(text);
  std::string line;
  std::map<std::string, std::string> types;
  std::string last_bucket_le;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = " (line " + std::to_string(n) + ": " + line + ")";
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::string rest = line.substr(7);
      size_t sp = rest.find(' ');
      if (sp == std::string::npos || sp == 0) return "comment without a name" + where;
      std::string name = rest.substr(0, sp);
      if (!IsNameStart(name[0])) return "bad name" + where;
      for (char c : name) {
        if (!IsNameChar(c)) return "bad name" + where;
      }
      if (line[2] == 'T') {
        std::string type = rest.substr(sp + 1);
        if (type != "counter" && type != "gauge" && type != "histogram") {
          return "bad type" + where;
        }
        if (types.count(name)) return "TYPE twice" + where;
        types[name] = type;
      }
      continue;
    }
    if (line.empty() || line[0] == '#') return "unexpected line" + where;
    size_t i = 0;
    while (i < line.size() && IsNameChar(line[i])) ++i;
    std::string name = line.substr(0, i);
    if (name.empty() || !IsNameStart(name[0])) return "bad sample name" + where;
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t start = i;
        while (i < line.size() && IsNameChar(line[i])) ++i;
        std::string label = line.substr(start, i - start);
        if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
          return "bad label" + where;
        }
        i += 2;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            if (i + 1 >= line.size()) return "dangling escape" + where;
            char e = line[i + 1];
            if (e != '\\' && e != '"' && e != 'n') return "bad escape" + where;
            value.push_back(e == 'n' ? '\n' : e);
            i += 2;
          } else {
            value.push_back(line[i++]);
          }
        }
        if (i >= line.size()) return "unterminated label value" + where;
        ++i;  // closing quote
        if (labels.count(label)) return "label twice" + where;
        labels[label] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return "unterminated labels" + where;
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') return "no value" + where;
    std::string value = line.substr(i + 1);
    if (value != "+Inf" && value != "-Inf" && value != "NaN") {
      char* end = nullptr;
      std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0') return "bad value" + where;
    }
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
          types.count(name.substr(0, name.size() - s.size())) &&
          types[name.substr(0, name.size() - s.size())] == "histogram") {
        family = name.substr(0, name.size() - s.size());
        if (s == "_bucket") {
          if (!labels.count("le")) return "bucket without le" + where;
          last_bucket_le = labels["le"];
        } else if (s == "_sum" && last_bucket_le != "+Inf") {
          return "histogram without a +Inf bucket" + where;
        }
      }
    }
    if (!types.count(family)) return "sample before its TYPE" + where;
  }
  return "";
}

TEST(MetricsTest, ExactTextOfCounterGaugeAndHistogram) {
  Metrics m;
  m.AddGauge("waybill_chain_height", "Height of the active chain's tip.");
  int height = 7;
  m.SetCallback("waybill_chain_height", {}, [&height] { return height; });
  m.AddGauge("waybill_peers", "Connected peers, by direction.");
  m.SetCallback("waybill_peers", {{"direction", "outbound"}}, [] { return 2; });
  m.SetCallback("waybill_peers", {{"direction", "inbound"}}, [] { return 1; });
  m.AddHistogram("waybill_block_connect_seconds", "Time to connect a block.", {0.01, 0.1, 1});
  m.Observe("waybill_block_connect_seconds", {}, 0.005);
  m.Observe("waybill_block_connect_seconds", {}, 0.1);  // a bound is inclusive
  m.Observe("waybill_block_connect_seconds", {}, 3);
  m.ObserveRequest("rest", "/v1/assets/{id}", 200, 0.25);
  m.ObserveRequest("rest", "/v1/assets/{id}", 200, 0.25);
  m.ObserveRequest("rpc", "", 401, 0.5);
  height = 8;  // read at render time

  const std::string text = m.Render();
  const std::string expected_gauges =
      "# HELP waybill_chain_height Height of the active chain's tip.\n"
      "# TYPE waybill_chain_height gauge\n"
      "waybill_chain_height 8\n"
      "# HELP waybill_peers Connected peers, by direction.\n"
      "# TYPE waybill_peers gauge\n"
      "waybill_peers{direction=\"inbound\"} 1\n"
      "waybill_peers{direction=\"outbound\"} 2\n"
      "# HELP waybill_block_connect_seconds Time to connect a block.\n"
      "# TYPE waybill_block_connect_seconds histogram\n"
      "waybill_block_connect_seconds_bucket{le=\"0.01\"} 1\n"
      "waybill_block_connect_seconds_bucket{le=\"0.1\"} 2\n"
      "waybill_block_connect_seconds_bucket{le=\"1\"} 2\n"
      "waybill_block_connect_seconds_bucket{le=\"+Inf\"} 3\n"
      "waybill_block_connect_seconds_sum 3.105\n"
      "waybill_block_connect_seconds_count 3\n";
  EXPECT_NE(text.find(expected_gauges), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE waybill_http_requests_total counter\n"
                      "waybill_http_requests_total{listener=\"rest\",route=\"/v1/assets/{id}\","
                      "status=\"200\"} 2\n"
                      "waybill_http_requests_total{listener=\"rpc\",route=\"unmatched\","
                      "status=\"401\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("waybill_http_request_seconds_bucket{listener=\"rest\",le=\"0.25\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("waybill_http_request_seconds_bucket{listener=\"rest\",le=\"0.1\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("waybill_http_request_seconds_count{listener=\"rpc\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("waybill_metrics_dropped_series_total 0\n"), std::string::npos) << text;
  EXPECT_EQ(CheckExposition(text), "");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeHelp("x\\y\nz\""), "x\\\\y\\nz\"");
  Metrics m;
  m.AddCounter("waybill_test_total", "Line one\nline \\two.");
  m.Increment("waybill_test_total", {{"v", "q\"uote\\back\nnl"}}, 3);
  const std::string text = m.Render();
  EXPECT_NE(text.find("# HELP waybill_test_total Line one\\nline \\\\two.\n"), std::string::npos);
  EXPECT_NE(text.find("waybill_test_total{v=\"q\\\"uote\\\\back\\nnl\"} 3\n"), std::string::npos)
      << text;
  EXPECT_EQ(CheckExposition(text), "");
}

TEST(MetricsTest, FormatsValues) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(12345678), "12345678");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatMetricValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatMetricValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatMetricValue(NAN), "NaN");
}

TEST(MetricsTest, CapsTheNumberOfSeriesAndCountsDrops) {
  Metrics m(/*max_series=*/10);
  const size_t builtin = m.series();  // the dropped-series counter itself
  for (int status = 100; status < 200; ++status) m.ObserveRequest("rest", "/x", status, 0.001);
  // Each request adds a counter series; the first also the listener's histogram series.
  EXPECT_EQ(m.series(), 10u);
  EXPECT_GT(m.dropped_series(), 0u);
  const std::string text = m.Render();
  EXPECT_EQ(CheckExposition(text), "");
  EXPECT_NE(text.find("waybill_metrics_dropped_series_total " +
                      std::to_string(m.dropped_series()) + "\n"),
            std::string::npos)
      << text;
  // Existing series still count.
  size_t counted = 10 - builtin - 1;
  EXPECT_NE(text.find("waybill_http_request_seconds_count{listener=\"rest\"} 100\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("status=\"" + std::to_string(100 + counted) + "\""), std::string::npos);
}

TEST(MetricsTest, RefusesWrongTypesAndNegativeIncrements) {
  Metrics m;
  m.AddCounter("waybill_c_total", "c");
  m.AddGauge("waybill_g", "g");
  m.Increment("waybill_c_total", {}, -1);       // ignored: counters never go down
  m.Observe("waybill_c_total", {}, 1);          // not a histogram
  m.Increment("waybill_g", {}, 1);              // a gauge is read through its callback
  m.Increment("waybill_unknown_total", {}, 1);  // undeclared
  m.AddGauge("waybill_c_total", "redeclared");  // ignored
  const std::string text = m.Render();
  EXPECT_NE(text.find("# HELP waybill_c_total c\n# TYPE waybill_c_total counter\n# HELP"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("waybill_unknown_total"), std::string::npos);
  EXPECT_EQ(text.find("\nwaybill_g "), std::string::npos);
  EXPECT_EQ(CheckExposition(text), "");
}

TEST(MetricsTest, TheCheckerRejectsBrokenText) {
  // The checker itself must be able to fail.
  EXPECT_NE(CheckExposition("x 1\n"), "");  // no TYPE
  EXPECT_NE(CheckExposition("# TYPE x counter\nx{a=\"b} 1\n"), "");
  EXPECT_NE(CheckExposition("# TYPE x counter\nx{a=\"b\\q\"} 1\n"), "");
  EXPECT_NE(CheckExposition("# TYPE x counter\nx one\n"), "");
  EXPECT_NE(CheckExposition("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"), "");
  EXPECT_EQ(CheckExposition("# TYPE x counter\nx{a=\"b\\\"\"} 1\n"), "");
}

TEST(MetricsTest, ObserverUsesTheResponsesRouteAndStatus) {
  Metrics m;
  auto observer = m.RequestObserver("rest");
  HttpRequest request;
  request.target = "/v1/assets/00?secret=raw";
  HttpResponse response;
  response.status = 404;
  response.route = "/v1/assets/{id}";
  observer(request, response, 0.002);
  const std::string text = m.Render();
  EXPECT_NE(text.find("waybill_http_requests_total{listener=\"rest\",route=\"/v1/assets/{id}\","
                      "status=\"404\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("secret"), std::string::npos);
}

TEST(MetricsTest, RenderWhileUpdatingFromOtherThreads) {
  Metrics m;
  m.AddHistogram("waybill_h", "h", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 1000; ++i) m.Observe("waybill_h", {}, 0.5);
    });
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(CheckExposition(m.Render()), "");
  for (std::thread& t : threads) t.join();
  EXPECT_NE(m.Render().find("waybill_h_count 4000\n"), std::string::npos);
}

TEST(MetricsTest, HealthKeepsTheFirstReason) {
  Metrics m;
  EXPECT_FALSE(m.Unhealthy().has_value());
  m.SetUnhealthy("stopping");
  m.SetUnhealthy("the chain database failed");
  EXPECT_EQ(m.Unhealthy().value_or(""), "stopping");
}

}  // namespace
}  // namespace waybill::node
