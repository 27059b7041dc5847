#include "textflag.h"

// NEON kernels over n values, n a multiple of 16 (kernels_arm64.go adds
// the tail). Four accumulators keep four fused multiply-adds in flight.
// Go's arm64 assembler has VFMLA but no floating-point vector add,
// subtract or pairwise add, so those are WORD-encoded (FADD, FSUB, FADDP
// on .4S lanes: 0x4E20D400, 0x4EA0D400, 0x6E20D400 | Rm<<16 | Rn<<5 | Rd).

// func dotNEON16(a, b *float32, n int) float32
TEXT ·dotNEON16(SB), NOSPLIT, $0-28
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n+16(FP), R2
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	CBZ  R2, dotfold

dotloop:
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R1), [V16.S4, V17.S4, V18.S4, V19.S4]
	VFMLA  V16.S4, V4.S4, V0.S4
	VFMLA  V17.S4, V5.S4, V1.S4
	VFMLA  V18.S4, V6.S4, V2.S4
	VFMLA  V19.S4, V7.S4, V3.S4
	SUBS   $16, R2, R2
	BNE    dotloop

dotfold:
	WORD $0x4E21D400 // FADD  V0.4S, V0.4S, V1.4S
	WORD $0x4E23D442 // FADD  V2.4S, V2.4S, V3.4S
	WORD $0x4E22D400 // FADD  V0.4S, V0.4S, V2.4S
	WORD $0x6E20D400 // FADDP V0.4S, V0.4S, V0.4S
	WORD $0x6E20D400 // FADDP V0.4S, V0.4S, V0.4S
	FMOVS F0, ret+24(FP)
	RET

// func l2NEON16(a, b *float32, n int) float32
TEXT ·l2NEON16(SB), NOSPLIT, $0-28
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n+16(FP), R2
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	CBZ  R2, l2fold

l2loop:
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R1), [V16.S4, V17.S4, V18.S4, V19.S4]
	WORD   $0x4EB0D494 // FSUB V20.4S, V4.4S, V16.4S
	WORD   $0x4EB1D4B5 // FSUB V21.4S, V5.4S, V17.4S
	WORD   $0x4EB2D4D6 // FSUB V22.4S, V6.4S, V18.4S
	WORD   $0x4EB3D4F7 // FSUB V23.4S, V7.4S, V19.4S
	VFMLA  V20.S4, V20.S4, V0.S4
	VFMLA  V21.S4, V21.S4, V1.S4
	VFMLA  V22.S4, V22.S4, V2.S4
	VFMLA  V23.S4, V23.S4, V3.S4
	SUBS   $16, R2, R2
	BNE    l2loop

l2fold:
	WORD $0x4E21D400 // FADD  V0.4S, V0.4S, V1.4S
	WORD $0x4E23D442 // FADD  V2.4S, V2.4S, V3.4S
	WORD $0x4E22D400 // FADD  V0.4S, V0.4S, V2.4S
	WORD $0x6E20D400 // FADDP V0.4S, V0.4S, V0.4S
	WORD $0x6E20D400 // FADDP V0.4S, V0.4S, V0.4S
	FMOVS F0, ret+24(FP)
	RET

// func prefetchRows(base *float32, ids *uint32, n, stride, lines int)
// Asks the cache (PRFM PLDL1KEEP) for the first lines cache lines of
// each row base + ids[i]*stride bytes, as the amd64 form does.
TEXT ·prefetchRows(SB), NOSPLIT, $0-40
	MOVD base+0(FP), R0
	MOVD ids+8(FP), R1
	MOVD n+16(FP), R2
	MOVD stride+24(FP), R3
	MOVD lines+32(FP), R4
	CBZ  R2, pfdone

pfrow:
	MOVWU.P 4(R1), R5
	MUL     R3, R5, R5
	ADD     R0, R5, R5
	MOVD    R4, R6

pfline:
	CBZ  R6, pfnext
	PRFM (R5), PLDL1KEEP
	ADD  $64, R5, R5
	SUB  $1, R6, R6
	B    pfline

pfnext:
	SUBS $1, R2, R2
	BNE  pfrow

pfdone:
	RET
