; Multi-party approval: an asset held by the contract moves to its recipient only after m of
; n named parties approve.
;
; Entry points (arguments by index; a call with the wrong number of arguments aborts 2):
;   setup    the owner attaches the asset (exactly one). 0: the recipient's account id
;            (32 bytes), 1: m (integer, 1..n), 2: the n parties' account ids, concatenated
;            (n * 32 bytes, 1 <= n <= 32: a value holds at most 1024 bytes).
;   approve  party i only. 0: i, the caller's index in the list of parties. The m-th distinct
;            approval sends the asset to the recipient and closes the approval.
;
; Storage (erased when the asset moves): "to" the recipient; "asset" its id; "m" as 8-byte
; big-endian; "parties" the list; "mask" the approvals so far, bit i for party i; "count" the
; number of approvals (both 8-byte big-endian, absent before the first).
;
; Abort codes: 1 already set up, 2 bad arguments or attachments, 3 not set up (or closed),
; 4 the caller is not party i (or i >= n), 10 party i approved already.
; Logs: "approved" (an approval short of m), "released".

.const k_to "to"
.const k_asset "asset"
.const k_m "m"
.const k_parties "parties"
.const k_mask "mask"
.const k_count "count"
.const empty 0x

.entry setup
  PUSHC k_asset
  SLOAD
  LEN
  JUMPI already
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
  JUMPI bad_args        ; the recipient is an account id
  PUSH 2
  ARG
  LEN                   ; len
  DUP1
  ISZERO
  JUMPI bad_args_1      ; no parties
  DUP1
  PUSH 32
  MOD
  JUMPI bad_args_1      ; not whole ids
  PUSH 32
  DIV                   ; n
  PUSH 1
  ARG                   ; n m
  DUP1
  ISZERO
  JUMPI bad_args_2      ; m = 0
  LT
  JUMPI bad_args        ; n < m
  PUSHC k_to
  PUSH 0
  ARG
  SSTORE
  PUSHC k_asset
  PUSH 0
  ATTASSET
  SSTORE
  PUSHC k_m
  PUSH 1
  ARG
  ITOB
  SSTORE
  PUSHC k_parties
  PUSH 2
  ARG
  SSTORE
  STOP

.entry approve
  PUSHC k_asset
  SLOAD
  LEN
  ISZERO
  JUMPI not_open
  ARGC
  PUSH 1
  EQ
  ISZERO
  JUMPI bad_args
  PUSH 0
  ARG                   ; i
  DUP1
  PUSHC k_parties
  SLOAD
  LEN
  PUSH 32
  DIV                   ; i i n
  LT
  ISZERO
  JUMPI not_party       ; i >= n
  PUSHC k_parties
  SLOAD
  DUP2
  PUSH 32
  MUL
  PUSH 32
  SLICE                 ; i party_i
  SENDER
  BEQ
  ISZERO
  JUMPI not_party       ; the caller is not party i
  PUSH 1
  SWAP1
  SHL                   ; bit = 1 << i
  PUSHC k_mask
  SLOAD
  BTOI                  ; bit mask
  DUP2
  DUP2
  AND
  JUMPI twice           ; party i approved already
  OR
  ITOB
  PUSHC k_mask
  SWAP1
  SSTORE
  PUSHC k_count
  SLOAD
  BTOI
  PUSH 1
  ADD                   ; count
  DUP1
  ITOB
  PUSHC k_count
  SWAP1
  SSTORE
  PUSHC k_m
  SLOAD
  BTOI                  ; count m
  LT
  JUMPI waiting         ; count < m
  PUSHC k_to
  SLOAD
  PUSHC k_asset
  SLOAD
  SENDASSET
  PUSHC "released"
  LOG
  PUSHC k_to
  PUSHC empty
  SSTORE
  PUSHC k_asset
  PUSHC empty
  SSTORE
  PUSHC k_m
  PUSHC empty
  SSTORE
  PUSHC k_parties
  PUSHC empty
  SSTORE
  PUSHC k_mask
  PUSHC empty
  SSTORE
  PUSHC k_count
  PUSHC empty
  SSTORE
  STOP
waiting:
  PUSHC "approved"
  LOG
  STOP

already:
  PUSH 1
  ABORT
bad_args_2:             ; two values left on the stack
  POP
bad_args_1:             ; one value left on the stack
  POP
bad_args:
  PUSH 2
  ABORT
not_open:
  PUSH 3
  ABORT
not_party:              ; i left on the stack
  PUSH 4
  ABORT
twice:                  ; bit and mask left on the stack
  PUSH 10
  ABORT
