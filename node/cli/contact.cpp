// `waybill contact`: partners by name (DATADIR/contacts.json; the book is wallet/'s). A contact
// name works wherever the CLI expects an address (ResolveAccount of wallet_access.h).
#include <array>
#include <iostream>

#include "chain/bech32.h"
#include "node/cli/commands.h"
#include "node/cli/wallet_access.h"
#include "node/cli/wallet_commands.h"
#include "wallet/contacts.h"

namespace waybill::cli {
namespace {

constexpr const char* kContactHelp =
    "Usage: waybill contact COMMAND [options]\n"
    "Partners by name, kept in DATADIR/contacts.json (DATADIR: --datadir, default ~/.waybill).\n"
    "Wherever a command expects an address (--to, --account ...), a contact name works too, and\n"
    "outputs show the name beside the address.\n"
    "Commands:\n"
    "  add NAME ADDRESS [--note TEXT]   add a partner (ADDRESS: of this network, or 64 hex)\n"
    "  list                             the contacts, by name\n"
    "  remove NAME                      forget a contact\n"
    "A name is 1..32 characters of a-z 0-9 . _ - starting with a letter or digit, and must not\n"
    "look like an address (a Bech32 string, 64 hex digits, or a network prefix followed by 1).\n"
    "Options:\n";

constexpr std::array<std::string_view, 3> kSubcommands = {"add", "list", "remove"};

std::vector<OptionSpec> ContactOptions(std::string_view sub) {
  // The connection options too (no subcommand calls the node), as every wallet command takes
  // them; --datadir is also the folder of contacts.json.
  std::vector<OptionSpec> specs = AddOptions(ConnectionOptions(), {{"json", "", false, "print JSON"}});
  if (sub.empty() || sub == "add") {
    specs.push_back({"note", "TEXT", false, "a note (at most 200 bytes)"});
  }
  return specs;
}

wallet::Contacts LoadBook(const Args& args) {
  auto book = wallet::Contacts::Load(ContactsPath(args));
  if (!book.ok()) throw CliError(book.status().reason());
  return std::move(*book);
}

void SaveBook(const Args& args, const wallet::Contacts& book) {
  if (chain::Status s = book.Save(ContactsPath(args)); !s.ok()) throw CliError(s.reason());
}

int RunAdd(const Args& args) {
  const auto& pos = args.positional();
  if (pos.size() != 2) throw CliError("usage: waybill contact add NAME ADDRESS [--note TEXT]");
  const std::string hrp = AddressPrefix(args);
  if (std::string other = wallet_cli::OtherNetworkMessage(pos[1], hrp); !other.empty()) {
    throw CliError(other);
  }
  const std::string address = chain::bech32::EncodeAddress(hrp, ParseAccount(pos[1], hrp, "ADDRESS"));
  wallet::Contacts book = LoadBook(args);
  wallet::Contact contact{pos[0], address, args.Get("note").value_or("")};
  if (chain::Status s = book.Add(contact, wallet_cli::KnownPrefixes(args)); !s.ok()) {
    throw CliError("contact '" + pos[0] + "': " + s.reason());
  }
  SaveBook(args, book);
  if (args.Has("json")) {
    std::cout << Json{{"name", contact.name}, {"address", address}, {"note", contact.note}}.dump(2)
              << "\n";
  } else {
    std::cout << "contact '" << contact.name << "' added: " << address << "\n";
  }
  return 0;
}

int RunList(const Args& args) {
  if (!args.positional().empty()) throw CliError("contact list takes no arguments");
  const wallet::Contacts book = LoadBook(args);
  if (args.Has("json")) {
    Json out = Json::array();
    for (const wallet::Contact& c : book.all()) {
      out.push_back({{"name", c.name}, {"address", c.address}, {"note", c.note}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (book.all().empty()) {
    std::cout << "no contacts in " << ContactsPath(args) << " (waybill contact add)\n";
  }
  for (const wallet::Contact& c : book.all()) {
    std::cout << c.name << "  " << c.address << (c.note.empty() ? "" : "  " + c.note) << "\n";
  }
  return 0;
}

int RunRemove(const Args& args) {
  const auto& pos = args.positional();
  if (pos.size() != 1) throw CliError("usage: waybill contact remove NAME");
  wallet::Contacts book = LoadBook(args);
  if (chain::Status s = book.Remove(pos[0]); !s.ok()) {
    throw CliError(s.reason() + " (see waybill contact list)");
  }
  SaveBook(args, book);
  std::cout << "contact '" << pos[0] << "' removed\n";
  return 0;
}

}  // namespace

int RunContact(std::span<const std::string> words) {
  int rc = 0;
  auto sub = ParseSubcommand(words, "contact", kContactHelp, kSubcommands, ContactOptions,
                             ContactOptions(""), &rc);
  if (!sub) return rc;
  if (sub->name == "add") return RunAdd(sub->args);
  if (sub->name == "list") return RunList(sub->args);
  return RunRemove(sub->args);
}

}  // namespace waybill::cli
