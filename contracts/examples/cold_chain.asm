; Cold-chain guard: the contract holds a shipment and releases it to the next custodian only
; if every approved sensor has attested its readings and they lie within bounds. From the
; deadline on, while the shipment is still held, the shipper may take it back.
;
; Readings: each approved sensor account attests the shipment with the claims "temp_min" and
; "temp_max", the lowest and the highest temperature it recorded, in hundredths of a kelvin as
; a big-endian unsigned integer of at most 8 bytes (2 C = 27515 = 0x6b7b). The contract reads
; the newest attestation of each claim by each sensor (ATTESTATION).
;
; Entry points (arguments by index; a call with the wrong number of arguments aborts 2):
;   setup    the shipper attaches the shipment (exactly one asset). 0: the next custodian's
;            account id (32 bytes), 1: the approved sensors' account ids, concatenated
;            (n * 32 bytes, 1 <= n <= 32), 2: the lowest allowed temperature, 3: the highest
;            (integers, same unit), 4: the deadline height (integer).
;   release  anyone: checks every sensor's readings; the shipment goes to the next custodian
;            and the guard closes.
;   reclaim  the shipper only, from the deadline on: the shipment goes back to the shipper and
;            the guard closes.
;
; Storage (erased when the guard closes): "shipper", "next" account ids; "asset" the
; shipment's id; "sensors" the list; "low", "high", "deadline" as 8-byte big-endian integers.
;
; Abort codes: 1 already set up, 2 bad arguments or attachments, 3 not set up (or closed),
; 4 the caller may not call this entry, 7 too early, 11 a sensor has not attested both
; claims, 12 a reading is out of bounds. A reading longer than 8 bytes ends release with the
; VM error int-too-long. Logs: "released", "reclaimed".

.const k_shipper "shipper"
.const k_next "next"
.const k_asset "asset"
.const k_sensors "sensors"
.const k_low "low"
.const k_high "high"
.const k_deadline "deadline"
.const c_min "temp_min"
.const c_max "temp_max"
.const empty 0x

.entry setup
  PUSHC k_asset
  SLOAD
  LEN
  JUMPI already
  ARGC
  PUSH 5
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
  JUMPI bad_args        ; the next custodian is an account id
  PUSH 1
  ARG
  LEN
  DUP1
  ISZERO                ; len z
  SWAP1
  PUSH 32
  MOD                   ; z r
  OR
  JUMPI bad_args        ; no sensors, or not whole ids
  PUSH 3
  ARG
  PUSH 2
  ARG
  LT
  JUMPI bad_args        ; high < low
  PUSHC k_shipper
  SENDER
  SSTORE
  PUSHC k_next
  PUSH 0
  ARG
  SSTORE
  PUSHC k_asset
  PUSH 0
  ATTASSET
  SSTORE
  PUSHC k_sensors
  PUSH 1
  ARG
  SSTORE
  PUSHC k_low
  PUSH 2
  ARG
  ITOB
  SSTORE
  PUSHC k_high
  PUSH 3
  ARG
  ITOB
  SSTORE
  PUSHC k_deadline
  PUSH 4
  ARG
  ITOB
  SSTORE
  STOP

.entry release
  PUSHC k_asset
  SLOAD
  LEN
  ISZERO
  JUMPI not_open
  PUSH 0                ; off: the next sensor's offset in the list
next_sensor:            ; off
  DUP1
  PUSHC k_sensors
  SLOAD
  LEN
  LT
  ISZERO
  JUMPI all_within      ; off >= len: every sensor checked
  PUSHC k_asset
  SLOAD
  PUSHC c_min
  PUSHC k_sensors
  SLOAD
  DUP4
  PUSH 32
  SLICE                 ; off asset "temp_min" sensor
  ATTESTATION           ; off value found
  ISZERO
  JUMPI no_reading
  BTOI
  PUSHC k_low
  SLOAD
  BTOI
  LT                    ; min < low
  JUMPI out_of_bounds
  PUSHC k_asset
  SLOAD
  PUSHC c_max
  PUSHC k_sensors
  SLOAD
  DUP4
  PUSH 32
  SLICE                 ; off asset "temp_max" sensor
  ATTESTATION           ; off value found
  ISZERO
  JUMPI no_reading
  BTOI
  PUSHC k_high
  SLOAD
  BTOI
  GT                    ; max > high
  JUMPI out_of_bounds
  PUSH 32
  ADD
  JUMP next_sensor
all_within:
  POP
  PUSHC k_next
  SLOAD
  PUSHC k_asset
  SLOAD
  SENDASSET
  PUSHC "released"
  LOG
  JUMP close

.entry reclaim
  PUSHC k_asset
  SLOAD
  LEN
  ISZERO
  JUMPI not_open
  SENDER
  PUSHC k_shipper
  SLOAD
  BEQ
  ISZERO
  JUMPI not_allowed     ; only the shipper
  HEIGHT
  PUSHC k_deadline
  SLOAD
  BTOI
  LT
  JUMPI too_early       ; height < deadline
  PUSHC k_shipper
  SLOAD
  PUSHC k_asset
  SLOAD
  SENDASSET
  PUSHC "reclaimed"
  LOG
  JUMP close

close:
  PUSHC k_shipper
  PUSHC empty
  SSTORE
  PUSHC k_next
  PUSHC empty
  SSTORE
  PUSHC k_asset
  PUSHC empty
  SSTORE
  PUSHC k_sensors
  PUSHC empty
  SSTORE
  PUSHC k_low
  PUSHC empty
  SSTORE
  PUSHC k_high
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
no_reading:             ; off and the empty value left on the stack
  PUSH 11
  ABORT
out_of_bounds:          ; off left on the stack
  PUSH 12
  ABORT
