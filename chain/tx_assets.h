// Which assets a tx touches: the subscribers of a block's changes (the REST event stream,
// caches keyed by asset) need them without applying the tx.
#pragma once

#include <vector>

#include "chain/contract_state.h"
#include "chain/tx.h"
#include "chain/types.h"

namespace waybill::chain {

// The ids of the assets whose records the tx writes when it applies: the asset it names
// (asset.transfer, attest, correct, split), its inputs (merge, transform) and the assets it
// creates (chain::NewAssetIds: issue, split children, merge and transform outputs), in that
// order, each once; for a contract.call its attached assets only (the assets its code moves
// are in its CallRecord: the overload below adds them). Empty for a coin transfer, the party
// operations and a deploy. Whether the tx is valid is not checked.
std::vector<Hash256> AssetsTouched(const Transaction& tx);

// AssetsTouched(tx), then the assets that a contract tx's code moved, from its record (a
// deploy's `init` or a call, chain::ReadCallRecord): per effect in order, `asset` its asset,
// `split` the parent then the two children, `merge` its two inputs then the output (`coins`
// none); each once. A failed run's record lists no effects: only what AssetsTouched(tx) gives.
std::vector<Hash256> AssetsTouched(const Transaction& tx, const CallRecord& record);

}  // namespace waybill::chain
