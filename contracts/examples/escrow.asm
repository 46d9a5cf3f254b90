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
; Storage: one key, "escrow", whose value is the open escrow's record (erased when the escrow
; closes, so a closed escrow can be set up again), 112 bytes at fixed offsets:
;   0 E's account id (32) | 32 F's account id (32) | 64 the collateral's id (32) |
;   96 the price (8, big-endian) | 104 the deadline height (8, big-endian)
; One key rather than five: a storage read or write costs far more than the SLICE that takes
; a field out of a value (docs/CONTRACTS.md "Gas schedule").
;
; Abort codes: 1 already set up, 2 bad arguments or attachments, 3 not set up (or closed),
; 4 the caller may not call this entry, 5 wrong payment, 6 too late, 7 too early.
; Logs: "paid", "claimed".

.const k_escrow "escrow"
.const empty 0x

.entry setup
  PUSHC k_escrow
  SLOAD                 ; the record: empty bytes while no escrow is open
  DUP1
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
  POP                   ; the empty record
  PUSHC k_escrow
  SENDER
  PUSH 0
  ARG
  CONCAT                ; E | F
  PUSH 0
  ATTASSET
  CONCAT                ; | the collateral
  PUSH 1
  ARG
  ITOB
  CONCAT                ; | the price
  PUSH 2
  ARG
  ITOB
  CONCAT                ; | the deadline
  SSTORE
  STOP

.entry pay
  PUSHC k_escrow
  SLOAD                 ; the record stays on the stack; DUP2 reaches it under one value
  DUP1
  LEN
  ISZERO
  JUMPI not_open
  SENDER
  DUP2
  PUSH 0
  PUSH 32
  SLICE                 ; E
  BEQ
  ISZERO
  JUMPI not_allowed     ; only E pays
  HEIGHT
  DUP2
  PUSH 104
  PUSH 8
  SLICE
  BTOI                  ; the deadline
  LT                    ; height < deadline
  ISZERO
  JUMPI too_late
  ATTCOINS
  DUP2
  PUSH 96
  PUSH 8
  SLICE
  BTOI                  ; the price
  EQ
  ISZERO
  JUMPI wrong_payment   ; exactly the price
  DUP1
  PUSH 32
  PUSH 32
  SLICE                 ; F
  ATTCOINS
  SENDCOINS             ; the price to F
  DUP1
  PUSH 0
  PUSH 32
  SLICE                 ; E
  SWAP1
  PUSH 64
  PUSH 32
  SLICE                 ; the collateral (the record's last use)
  SENDASSET             ; the collateral back to E
  PUSHC "paid"
  LOG
  JUMP close

.entry claim
  PUSHC k_escrow
  SLOAD
  DUP1
  LEN
  ISZERO
  JUMPI not_open
  SENDER
  DUP2
  PUSH 32
  PUSH 32
  SLICE                 ; F
  BEQ
  ISZERO
  JUMPI not_allowed     ; only F claims
  HEIGHT
  DUP2
  PUSH 104
  PUSH 8
  SLICE
  BTOI
  LT
  JUMPI too_early       ; height < deadline
  DUP1
  PUSH 32
  PUSH 32
  SLICE                 ; F
  SWAP1
  PUSH 64
  PUSH 32
  SLICE                 ; the collateral
  SENDASSET             ; the collateral to F
  PUSHC "claimed"
  LOG
  JUMP close

; Erases the record: a closed escrow keeps no storage.
close:
  PUSHC k_escrow
  PUSHC empty
  SSTORE
  STOP

; Every refusal is reached with the record (or the empty bytes) on the stack: every path into
; a block arrives at the same stack height.
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
