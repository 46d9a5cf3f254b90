; Escrow with a deadline (docs/CONTRACTS.md "Tutorial" writes this contract step by step).
;
; E deposits an asset as collateral and owes F a price in coins. If E pays the price through
; the contract before the deadline height, the coins go to F and the asset returns to E. From
; the deadline on, without that payment, F may claim the asset.
;
; Entry points (arguments by index; a call with the wrong number of arguments aborts 2):
;   setup   E attaches the collateral (exactly one asset). 0: F's account id (32 bytes),
;           1: the price in coins (integer, > 0), 2: the deadline height (integer).
;   pay     E only, at a height below the deadline, attaching exactly the price in coins.
;           The coins go to F, the asset to E; the escrow closes.
;   claim   F only, at a height from the deadline on. The asset goes to F; the escrow closes.
;
; Storage (erased when the escrow closes, so a closed escrow can be set up again):
;   "e" E's account id; "f" F's account id; "asset" the collateral's id;
;   "price" and "deadline" as 8-byte big-endian integers.
;
; Abort codes: 1 already set up, 2 bad arguments or attachments, 3 not set up (or closed),
; 4 the caller may not call this entry, 5 wrong payment, 6 too late, 7 too early.
; Logs: "paid", "claimed".

.const k_e "e"
.const k_f "f"
.const k_asset "asset"
.const k_price "price"
.const k_deadline "deadline"
.const empty 0x

.entry setup
  PUSHC k_asset
  SLOAD
  LEN
  JUMPI already         ; a collateral is held: set up already
  ARGC
  PUSH 3
  EQ
  ISZERO
  JUMPI bad_args
  ATTASSETC
  PUSH 1
  EQ
  ISZERO
  JUMPI bad_args        ; exactly one asset attached
  PUSH 0
  ARG
  LEN
  PUSH 32
  EQ
  ISZERO
  JUMPI bad_args        ; F is an account id
  PUSH 1
  ARG
  ISZERO
  JUMPI bad_args        ; a price of 0 would let anyone "pay"
  PUSHC k_e
  SENDER
  SSTORE
  PUSHC k_f
  PUSH 0
  ARG
  SSTORE
  PUSHC k_asset
  PUSH 0
  ATTASSET
  SSTORE
  PUSHC k_price
  PUSH 1
  ARG
  ITOB
  SSTORE
  PUSHC k_deadline
  PUSH 2
  ARG
  ITOB
  SSTORE
  STOP

.entry pay
  PUSHC k_asset
  SLOAD
  LEN
  ISZERO
  JUMPI not_open
  SENDER
  PUSHC k_e
  SLOAD
  BEQ
  ISZERO
  JUMPI not_allowed     ; only E pays
  HEIGHT
  PUSHC k_deadline
  SLOAD
  BTOI
  LT                    ; height < deadline
  ISZERO
  JUMPI too_late
  ATTCOINS
  PUSHC k_price
  SLOAD
  BTOI
  EQ
  ISZERO
  JUMPI wrong_payment   ; exactly the price
  PUSHC k_f
  SLOAD
  ATTCOINS
  SENDCOINS             ; the price to F
  PUSHC k_e
  SLOAD
  PUSHC k_asset
  SLOAD
  SENDASSET             ; the collateral back to E
  PUSHC "paid"
  LOG
  JUMP close

.entry claim
  PUSHC k_asset
  SLOAD
  LEN
  ISZERO
  JUMPI not_open
  SENDER
  PUSHC k_f
  SLOAD
  BEQ
  ISZERO
  JUMPI not_allowed     ; only F claims
  HEIGHT
  PUSHC k_deadline
  SLOAD
  BTOI
  LT
  JUMPI too_early       ; height < deadline
  PUSHC k_f
  SLOAD
  PUSHC k_asset
  SLOAD
  SENDASSET             ; the collateral to F
  PUSHC "claimed"
  LOG
  JUMP close

; Erases every key: a closed escrow holds nothing and keeps no storage.
close:
  PUSHC k_e
  PUSHC empty
  SSTORE
  PUSHC k_f
  PUSHC empty
  SSTORE
  PUSHC k_asset
  PUSHC empty
  SSTORE
  PUSHC k_price
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
wrong_payment:
  PUSH 5
  ABORT
too_late:
  PUSH 6
  ABORT
too_early:
  PUSH 7
  ABORT
