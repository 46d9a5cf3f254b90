#!/usr/bin/env bash
# The coffee demo (issue 12): a 4-node regtest testnet (`waybill testnet`), node 3 with the
# REST API and the explorer; two farms issue harvest lots, a cooperative merges them, an exporter
# splits the lot into export bags, a carrier attests temperatures, a roaster roasts (a
# transform) and packs 250 g bags, a retailer receives one. Prints the consumer's URL, saves the
# bag's proof bundle and verifies it offline with `waybill proof verify`.
#
#   scripts/demo-coffee.sh [--bindir DIR] [--dir DIR] [--base-port P] [--rest-port P] [--down]
#
# --bindir: the build dir (default ./build); --dir: the testnet's folder (default
# ./waybill-coffee-demo; it must not hold a running testnet); --base-port: the testnet's first
# port (default 28100; node i uses P+2i and P+2i+1); --rest-port: node 3's REST port (default
# P+20); --down: stop the testnet (and remove its folder) at the end; without it the nodes keep
# running so the page can be browsed: stop them with `waybill testnet down --dir DIR`.
set -euo pipefail

bindir="./build"
dir="./waybill-coffee-demo"
base_port=28100
rest_port=""
down=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bindir) bindir="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --base-port) base_port="$2"; shift 2 ;;
    --rest-port) rest_port="$2"; shift 2 ;;
    --down) down=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 1 ;;
  esac
done
rest_port="${rest_port:-$((base_port + 20))}"
waybill="$(cd "$bindir" && pwd)/node/waybill"
waybilld="$(cd "$bindir" && pwd)/node/waybilld"
for exe in "$waybill" "$waybilld"; do
  [ -x "$exe" ] || { echo "error: $exe not found (build it: cmake --build build)" >&2; exit 1; }
done
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
keys="$dir/keys"
rest_node=3
rest_ip=127.0.0.1
rest_url="http://$rest_ip:$rest_port"
gtin_green=09506000134352   # green coffee (GS1 example GTINs)
gtin_roasted=09506000134369

say() { printf '\n== %s\n' "$*"; }

# A field of testnet.json's node I (python3: the JSON is the CLI's).
node_field() {
  python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))["nodes"][int(sys.argv[2])]; v=n[sys.argv[3]]; print("\n".join(v) if isinstance(v, list) else v)' \
    "$dir/testnet.json" "$1" "$2"
}

# waybill against node I: cli I ARGS...
cli() {
  local i="$1"; shift
  "$waybill" "$@" --network regtest --rpcconnect "${node_ip[$i]}" --rpcport "${node_port[$i]}" \
    --datadir "$dir/node$i"
}

# A JSON field of stdin: jfield KEY [INDEX]
jfield() {
  python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(v[int(sys.argv[2])] if len(sys.argv) > 2 else v)' "$@"
}

# Waits (at most 60 s) until every node is at height H or above.
sync_to() {
  local h="$1" i
  for i in 0 1 2 3; do
    local tries=0
    until [ "$(cli "$i" rpc getblockcount 2>/dev/null || echo 0)" -ge "$h" ]; do
      tries=$((tries + 1))
      [ "$tries" -le 240 ] || { echo "error: node $i did not reach height $h within 60 s" >&2; exit 1; }
      sleep 0.25
    done
  done
}

# send I KEY COMMAND...: signs with KEY, sends to node I, waits for 1 confirmation and for every
# node to have that block; prints the CLI's JSON.
send() {
  local i="$1" key="$2"; shift 2
  local out
  out="$(cli "$i" "$@" --key "$keys/$key.json" --json --wait --wait-timeout 120)"
  sync_to "$(jfield height <<<"$out")"
  printf '%s\n' "$out"
}

start_testnet() {
  say "starting a 4-node regtest testnet in $dir (a block every second)"
  # Node 3 alone serves the REST API and the explorer (--node-arg-of: one node's own flags).
  "$waybill" testnet up 4 --network regtest --dir "$dir" --base-port "$base_port" \
    --waybilld "$waybilld" --node-arg-of "$rest_node:--rest" \
    --node-arg-of "$rest_node:--restbind=$rest_ip" --node-arg-of "$rest_node:--restport=$rest_port" \
    --node-arg-of "$rest_node:--resturl=$rest_url"
  node_ip=() node_port=()
  for i in 0 1 2 3; do
    local rpc
    rpc="$(node_field "$i" rpc)"           # http://IP:PORT
    rpc="${rpc#http://}"
    node_ip[$i]="${rpc%:*}"
    node_port[$i]="${rpc##*:}"
  done
  say "node $rest_node serves the REST API and the explorer on $rest_url"
  local tries=0
  until curl -fsS -o /dev/null "$rest_url/v1/status" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -le 240 ] || { echo "error: the REST API did not answer within 60 s" >&2; exit 1; }
    sleep 0.25
  done
}

make_parties() {
  say "parties: dev keys 1..7 (funded on regtest), dev key 9 is the regtest registrar"
  mkdir -p "$keys"
  local entry
  for entry in 1:farm1 2:farm2 3:coop 4:exporter 5:carrier 6:roaster 7:retailer 9:registrar; do
    [ -f "$keys/${entry#*:}.json" ] ||
      "$waybill" key dev "${entry%%:*}" --out "$keys/${entry#*:}.json" --network regtest >/dev/null
  done
  for who in farm1 farm2 coop exporter carrier roaster retailer registrar; do
    printf -v "addr_$who" '%s' "$("$waybill" key address --key "$keys/$who.json" --network regtest)"
  done
  send 1 farm1 tx profile --name "Finca La Esperanza" --role farm >/dev/null
  send 1 farm2 tx profile --name "Finca El Mirador" --role farm >/dev/null
  send 2 coop tx profile --name "Cooperativa Cafetalera del Huila" --role cooperative >/dev/null
  send 3 exporter tx profile --name "Andes Export" --role exporter >/dev/null
  send 3 carrier tx profile --name "Cold Chain Carriers" --role carrier >/dev/null
  send 0 roaster tx profile --name "Rotterdam Roasters" --role roaster >/dev/null
  send 0 retailer tx profile --name "Corner Grocer" --role retailer >/dev/null
  send 0 registrar tx profile --name "Coffee Consortium Registry" --role registrar >/dev/null
  send 0 registrar tx endorse --account "$addr_carrier" --role carrier >/dev/null
  echo "7 profiles published; the registrar endorsed the carrier"
}

run_story() {
  say "farms issue harvest lots"
  lot1="$(send 1 farm1 asset issue --quantity 600 --unit kg --meta "gtin=$gtin_green" \
    --meta lot=FLE-2026-05 --meta "origin=Pitalito, Huila, CO" --meta harvest_date=2026-05-02 \
    --meta variety=caturra | jfield assets 0)"
  lot2="$(send 1 farm2 asset issue --quantity 400 --unit kg --meta "gtin=$gtin_green" \
    --meta lot=FEM-2026-05 --meta "origin=La Plata, Huila, CO" --meta harvest_date=2026-05-09 \
    --meta variety=castillo | jfield assets 0)"
  echo "Finca La Esperanza: $lot1 (600 kg); Finca El Mirador: $lot2 (400 kg)"
  send 1 farm1 asset transfer "$lot1" --to "$addr_coop" >/dev/null
  send 1 farm2 asset transfer "$lot2" --to "$addr_coop" >/dev/null

  say "the cooperative merges them"
  green="$(send 2 coop asset merge "$lot1" "$lot2" --meta "gtin=$gtin_green" \
    --meta lot=COOP-2026-07 --meta "origin=Huila, CO" | jfield assets 0)"
  echo "merged lot $green (1,000 kg)"
  send 2 coop asset transfer "$green" --to "$addr_exporter" >/dev/null

  say "the exporter splits it into export bags"
  local bags
  bags="$(send 3 exporter asset split "$green" --quantities 700,300)"
  bag1="$(jfield assets 0 <<<"$bags")"
  echo "export bags $bag1 (700 kg) and $(jfield assets 1 <<<"$bags") (300 kg)"
  send 3 exporter asset transfer "$bag1" --to "$addr_carrier" >/dev/null

  say "the carrier attests temperatures (the hash of its log is on chain)"
  printf 'time,celsius\n2026-07-10T00:00Z,6.5\n2026-07-18T00:00Z,7.9\n2026-07-26T00:00Z,7.1\n' \
    >"$dir/reefer-log.csv"
  send 3 carrier asset attest "$bag1" --claim temp.max --value "7.9 C" \
    --doc-file "$dir/reefer-log.csv" >/dev/null
  send 3 carrier asset attest "$bag1" --claim temp.min --value "6.5 C" \
    --doc-file "$dir/reefer-log.csv" >/dev/null
  send 3 carrier asset transfer "$bag1" --to "$addr_roaster" >/dev/null

  say "the roaster roasts (a transform: 700 kg green -> 581 kg roasted) and packs 250 g bags"
  roasted="$(send 0 roaster tx transform --inputs "$bag1" --outputs 581.000:kg \
    --meta "gtin=$gtin_roasted" --meta lot=RR-2026-31 --meta "product=Huila roast" \
    | jfield assets 0)"
  local parts
  parts="$(send 0 roaster asset split "$roasted" --quantities 2.5,578.5)"
  retail="$(send 0 roaster tx split --asset "$(jfield assets 0 <<<"$parts")" --bags 10 --each 250 \
    --label-key serial | jfield assets 0)"
  echo "roasted lot $roasted; 10 bags of 250 g, the first $retail (serial 000001)"

  say "the retailer receives a bag"
  send 0 roaster asset transfer "$retail" --to "$addr_retailer" >/dev/null
  echo "Corner Grocer holds $retail"
}

show_consumer() {
  say "what the consumer scans"
  local page="$rest_url/01/$gtin_roasted/10/RR-2026-31/21/000001"
  echo "consumer URL (the bag's GS1 Digital Link, as its QR code): $page"
  echo "item page: $rest_url/asset/$retail"
  local landed
  landed="$(curl -fsS -o /dev/null -w '%{url_effective}' -L -H 'Accept: text/html' "$page")"
  echo "the Digital Link opens $landed"

  say "proof bundle, verified offline"
  curl -fsS -o "$dir/bag.wbproof" "$rest_url/v1/assets/$retail/proof"
  echo "saved $dir/bag.wbproof ($(wc -c <"$dir/bag.wbproof") bytes)"
  "$waybill" proof verify "$dir/bag.wbproof" --network regtest
}

stop_testnet() {
  if [ "$down" -eq 1 ]; then
    say "stopping the testnet"
    "$waybill" testnet down --dir "$dir" --clean
  else
    echo
    echo "the testnet keeps running; stop it with: $waybill testnet down --dir $dir --clean"
  fi
}

# With --down, a failure part-way still stops every node (the testnet's folder is kept to read).
finished=0
on_exit() {
  if [ "$finished" -eq 0 ] && [ "$down" -eq 1 ] && [ -f "$dir/testnet.json" ]; then
    echo "demo: failed; stopping the testnet (its logs stay in $dir)" >&2
    "$waybill" testnet down --dir "$dir" >&2 || true
  fi
}
trap on_exit EXIT
start_testnet
make_parties
run_story
show_consumer
finished=1
stop_testnet
echo "demo: done"
