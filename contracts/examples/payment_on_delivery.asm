; Payment on delivery: the buyer's coins are released to the seller when custody of the asset
; passes to the buyer. If it has not passed by the deadline, the buyer may take the coins back.
;
; Entry points (arguments by index; a call with the wrong number of arguments aborts 2):
;   order    the buyer attaches the price in coins (> 0). 0: the seller's account id
;            (32 bytes), 1: the asset's id (32 bytes), 2: the deadline height (integer).
;   release  anyone (the seller, typically) once the buyer is the asset's custodian: the
;            coins go to the seller; the order closes.
;   refund   the buyer only, from the deadline on, while the buyer is not the custodian: the
;            coins go back to the buyer; the order closes.
;
; Storage (erased when the order closes): "buyer", "seller" account ids; "asset" the asset's
; id; "amount" and "deadline" as 8-byte big-endian integers.
;
; Abort codes: 1 an order is open, 2 bad arguments or no coins attached, 3 no open order,
; 4 the caller may not call this entry, 7 too early, 8 not delivered (release), 9 delivered
; already (refund). An unknown asset id ends release with the VM error unknown-asset.
; Logs: "ordered", "paid", "refunded".

.const k_buyer "buyer"
.const k_seller "seller"
.const k_asset "asset"
.const k_amount "amount"
.const k_deadline "deadline"
.const empty 0x

.entry order
  PUSHC k_amount
  SLOAD
  LEN
  JUMPI already
  ARGC
  PUSH 3
  EQ
  ISZERO
  JUMPI bad_args
  ATTCOINS
  ISZERO
  JUMPI bad_args        ; the price comes with the order
  PUSH 0
  ARG
  LEN
  PUSH 32
  EQ
  ISZERO
  JUMPI bad_args        ; the seller is an account id
  PUSH 1
  ARG
  LEN
  PUSH 32
  EQ
  ISZERO
  JUMPI bad_args        ; the asset is an id
  PUSHC k_buyer
  SENDER
  SSTORE
  PUSHC k_seller
  PUSH 0
  ARG
  SSTORE
  PUSHC k_asset
  PUSH 1
  ARG
  SSTORE
  PUSHC k_amount
  ATTCOINS
  ITOB
  SSTORE
  PUSHC k_deadline
  PUSH 2
  ARG
  ITOB
  SSTORE
  PUSHC "ordered"
  LOG
  STOP

.entry release
  PUSHC k_amount
  SLOAD
  LEN
  ISZERO
  JUMPI not_open
  PUSHC k_asset
  SLOAD
  CUSTODIAN
  PUSHC k_buyer
  SLOAD
  BEQ
  ISZERO
  JUMPI not_delivered   ; the buyer does not hold the asset yet
  PUSHC k_seller
  SLOAD
  PUSHC k_amount
  SLOAD
  BTOI
  SENDCOINS
  PUSHC "paid"
  LOG
  JUMP close

.entry refund
  PUSHC k_amount
  SLOAD
  LEN
  ISZERO
  JUMPI not_open
  SENDER
  PUSHC k_buyer
  SLOAD
  BEQ
  ISZERO
  JUMPI not_allowed     ; only the buyer
  HEIGHT
  PUSHC k_deadline
  SLOAD
  BTOI
  LT
  JUMPI too_early       ; height < deadline
  PUSHC k_asset
  SLOAD
  CUSTODIAN
  PUSHC k_buyer
  SLOAD
  BEQ
  JUMPI delivered       ; delivered: the seller is owed the coins
  PUSHC k_buyer
  SLOAD
  PUSHC k_amount
  SLOAD
  BTOI
  SENDCOINS
  PUSHC "refunded"
  LOG
  JUMP close

close:
  PUSHC k_buyer
  PUSHC empty
  SSTORE
  PUSHC k_seller
  PUSHC empty
  SSTORE
  PUSHC k_asset
  PUSHC empty
  SSTORE
  PUSHC k_amount
  PUSHC empty
  SSTORE
  PUSHC k_deadline
  PUSHC empty
  SSTORE
  STOP

already:
  PUSH 1
  ABORT
bad_args:
  PUSH 2
  ABORT
not_open:
  PUSH 3
  ABORT
not_allowed:
  PUSH 4
  ABORT
too_early:
  PUSH 7
  ABORT
not_delivered:
  PUSH 8
  ABORT
delivered:
  PUSH 9
  ABORT
