// Passphrases for the wallet commands (docs/API.md "Wallets"): from a file or an environment
// variable for scripts, else from the terminal without echo; never from a command-line
// argument. Each returns a wallet::SecretString, wiped when destroyed; the buffers used while
// reading are wiped too.
#pragma once

#include <string_view>
#include <vector>

#include "node/cli/args.h"
#include "wallet/secret.h"

namespace waybill::cli {

// --passphrase-file FILE (its one trailing "\n" or "\r\n" stripped), else env
// WAYBILL_PASSPHRASE, else /dev/tty with echo off (asked twice when confirm; a mismatch is a
// CliError). CliError "no passphrase: run in a terminal, or give --passphrase-file FILE or set
// WAYBILL_PASSPHRASE" without any; "the passphrase must not be empty" for an empty one.
wallet::SecretString ReadPassphrase(const Args& args, std::string_view prompt, bool confirm);
// The new passphrase of change-passphrase: --new-passphrase-file / WAYBILL_NEW_PASSPHRASE /
// the terminal, twice. Non-empty.
wallet::SecretString ReadNewPassphrase(const Args& args);
// The BIP-39 passphrase ("25th word"): --seed-passphrase-file / WAYBILL_SEED_PASSPHRASE /
// --seed-passphrase (the terminal, twice on create) / "" (the default). May be empty.
wallet::SecretString ReadSeedPassphrase(const Args& args);
// Whether the process has a terminal (/dev/tty opens).
bool HasTerminal();
// A yes/no question on the terminal (default no). False without a terminal.
bool Confirm(std::string_view question);

// The options of the passphrase sources, for a command's option list.
std::vector<OptionSpec> PassphraseOptions();      // --passphrase-file
std::vector<OptionSpec> NewPassphraseOptions();   // --new-passphrase-file
std::vector<OptionSpec> SeedPassphraseOptions();  // --seed-passphrase-file, --seed-passphrase

}  // namespace waybill::cli
