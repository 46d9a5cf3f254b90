// Quantities with a decimal scale per unit (docs/PROTOCOL.md §6 "units"), and the yield of a
// transformation (§9.2 asset.transform). A quantity is always an integer count of its unit's
// smallest step: where `kg` has scale 3, quantity 250 of `kg` is 0.250 kg. No rule rescales;
// the scale only changes how a quantity is written for people and how a yield is compared.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "chain/amount.h"
#include "chain/status.h"

namespace waybill::chain {

inline constexpr uint8_t kMaxUnitScale = 9;
inline constexpr size_t kMaxUnits = 64;

// A network's units table: unit -> decimal scale 0..kMaxUnitScale, sorted by unit.
using UnitScales = std::map<std::string, uint8_t, std::less<>>;

// The scale of unit in the table; 0 for a unit it does not list.
uint8_t ScaleOf(const UnitScales& units, std::string_view unit);

// q written with `scale` decimals: FormatScaled(250, 3) = "0.250", FormatScaled(7, 0) = "7".
// REQUIRES: scale <= kMaxUnitScale.
std::string FormatScaled(Quantity q, uint8_t scale);

// The quantity that text means at this scale: "0.25" at scale 3 is 250, "12" is 12000.
// Digits, at most one '.', at least one digit before it and one after it if present. Invalid
// with a message when the text is not such a number, has more decimals than the scale allows
// (the message names the scale), or the quantity passes 2^64 - 1.
Result<Quantity> ParseScaled(std::string_view text, uint8_t scale);

// The ratio of a transformation's output to its input with real amounts (quantity / 10^scale),
// in parts per million: floor(10^6 * out * 10^scale_in / (in * 10^scale_out)). nullopt when in
// is 0 or the result passes 2^64 - 1. The sums are those of up to 16 u64 quantities, so they
// are passed as 128-bit integers; the arithmetic is exact (256-bit).
std::optional<uint64_t> YieldPpm(unsigned __int128 in, uint8_t scale_in, unsigned __int128 out,
                                 uint8_t scale_out);

// Whether min_ppm * in <= 10^6 * out <= max_ppm * in with real amounts, compared exactly as
// min_ppm * in * 10^scale_out <= 10^6 * out * 10^scale_in <= max_ppm * in * 10^scale_out.
bool YieldWithin(unsigned __int128 in, uint8_t scale_in, unsigned __int128 out, uint8_t scale_out,
                 uint32_t min_ppm, uint32_t max_ppm);

// The sum of a list of quantities that all have one unit: the inputs or the outputs of a
// transformation. Add every item; single() holds when there was at least one and all had the
// same unit. At most 2^64 items of 2^64 - 1 fit the 128-bit total; a transformation has 16.
struct UnitSum {
  std::string unit;
  unsigned __int128 total = 0;
  size_t count = 0;
  bool mixed = false;
  void Add(Quantity quantity, std::string_view item_unit);
  bool single() const { return count > 0 && !mixed; }
};

// The yield of a transformation in ppm of real amounts (YieldPpm with the units' scales), when
// its inputs share one unit and its outputs another (maybe the same); nullopt otherwise (mixed
// units have no yield) or when YieldPpm has none. Recomputed from the linked assets'
// quantities, which never change, so every reader of a lineage (RPC getassethistory, the REST
// trace) shows the same value that the consensus bound was checked against.
std::optional<uint64_t> TransformYieldPpm(const UnitSum& in, const UnitSum& out,
                                          const UnitScales& units);

}  // namespace waybill::chain
