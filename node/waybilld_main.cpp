// waybilld: parses the configuration, runs the Node until a shutdown is requested.
// Exit codes: 0 after a clean shutdown (or --help/--version), 1 if the configuration is
// invalid, the node cannot start, or it stopped on a fatal local error (Node::AbortNode: a
// failed write, a damaged database).
#include <csignal>
#include <cstdio>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "node/config.h"
#include "node/node.h"

int main(int argc, char** argv) {
  using namespace waybill::node;
  // Before any thread exists, so every thread inherits the mask (see BlockShutdownSignals).
  BlockShutdownSignals();
  // A peer that closes its socket must not kill the process; writes report EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
#ifdef __GLIBC__
  // glibc's defaults give a heap's free top back to the kernel once 128 KiB are free (more
  // after a large free) and grow it again at the next allocation: under tx gossip each thread's
  // heap shrank and regrew all the time, and the page faults and sysmalloc were ~7 % of the
  // node's CPU (perf, bench/p2p_bench.py --perf; docs/BENCHMARKS.md). Keep up to 64 MiB free
  // per heap, grow in 16 MiB steps of address space (pages count once touched), and serve
  // blocks below 4 MiB from the heap with a fixed threshold.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif

  auto config = ParseConfig(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "Error: %s\n", config.status().reason().c_str());
    std::fprintf(stderr, "Run waybilld --help for the options.\n");
    return 1;
  }
  if (config->show_help) {
    std::fputs(config->help_text.c_str(), stdout);
    return 0;
  }
  if (config->show_version) {
    std::printf("waybilld %s\n", WaybillVersion());
    return 0;
  }

  Node node(std::move(*config));
  if (auto status = node.Start(); !status.ok()) {
    std::fprintf(stderr, "Error: %s\n", status.reason().c_str());
    node.Stop();
    return 1;
  }
  node.WaitForShutdown();
  node.Stop();
  return node.exit_code();
}
