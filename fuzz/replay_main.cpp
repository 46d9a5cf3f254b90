// Replays a fuzz target's seed corpus without libFuzzer: every file in the given folders
// (or the given files) is passed to LLVMFuzzerTestOneInput once, plus a few derived inputs
// (every prefix of each seed, and each seed with one byte flipped), so truncation and bit
// errors are exercised on every run.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
void Run(const std::vector<uint8_t>& input) { LLVMFuzzerTestOneInput(input.data(), input.size()); }
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& entry : std::filesystem::directory_iterator(p)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.push_back(p);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no seed files given\n");
    return 1;
  }
  size_t runs = 0;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::vector<uint8_t> seed((std::istreambuf_iterator<char>(in)), {});
    Run(seed);
    ++runs;
    for (size_t n = 0; n < seed.size(); ++n) {
      Run(std::vector<uint8_t>(seed.begin(), seed.begin() + n));
      std::vector<uint8_t> flipped = seed;
      flipped[n] ^= static_cast<uint8_t>(1u << (n % 8));
      Run(flipped);
      runs += 2;
    }
  }
  std::printf("replay: %zu seeds, %zu inputs, no failures\n", files.size(), runs);
  return 0;
}
