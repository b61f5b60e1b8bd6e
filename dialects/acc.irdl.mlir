// The acc dialect: the accelerator target's IR between lowering and the
// .accbin (docs/acc-isa.md, docs/acc.md). An acc.device, then per plan step an
// acc.host or an acc.layer, which `dlc --emit=acc --acc-insns` follows with
// its instructions. Each attribute has its own constraint (IRDL constraint
// values are variables shared by their uses).
irdl.dialect @acc {
  // The accelerator: PE array (pixels, channels, input channels per cycle) and buffer bytes (input, weight, accumulator, output).
  irdl.operation @device {
    %name = irdl.base "#builtin.string"
    %pe = irdl.base "#builtin.array"
    %buffers = irdl.base "#builtin.array"
    irdl.attributes {"name" = %name, "pe" = %pe, "buffers" = %buffers}
  }
  // A plan step the modelled host runs (the qg or quant op named by op).
  irdl.operation @host {
    %step = irdl.base "#builtin.integer"
    %op = irdl.base "#builtin.string"
    irdl.attributes {"step" = %step, "op" = %op}
  }
  // A plan step on the accelerator: its GEMM shape [M, N, K], the chosen tile and loop order, dense weight bits and outliers,
  // the weight format ("dense", or "blocks": a bitmap and the nonzero PE-array blocks) and the all-zero blocks found.
  irdl.operation @layer {
    %step = irdl.base "#builtin.integer"
    %kind = irdl.base "#builtin.string"
    %shape = irdl.base "#builtin.array"
    %tile = irdl.base "#builtin.array"
    %order = irdl.base "#builtin.string"
    %weight_bits = irdl.base "#builtin.integer"
    %outliers = irdl.base "#builtin.integer"
    %instructions = irdl.base "#builtin.integer"
    %weight_format = irdl.base "#builtin.string"
    %zero_blocks = irdl.base "#builtin.integer"
    irdl.attributes {"step" = %step, "kind" = %kind, "shape" = %shape, "tile" = %tile, "order" = %order, "weight_bits" = %weight_bits, "outliers" = %outliers, "instructions" = %instructions, "weight_format" = %weight_format, "zero_blocks" = %zero_blocks}
  }
  // A layer's configuration: zero points, clamp bounds, bit widths, shift-only requantization.
  irdl.operation @cfg {
    %zx = irdl.base "#builtin.integer"
    %zb = irdl.base "#builtin.integer"
    %zo = irdl.base "#builtin.integer"
    %lo = irdl.base "#builtin.integer"
    %hi = irdl.base "#builtin.integer"
    %xbits = irdl.base "#builtin.integer"
    %wbits = irdl.base "#builtin.integer"
    %obits = irdl.base "#builtin.integer"
    %shift_only = irdl.base "#builtin.integer"
    irdl.attributes {"zx" = %zx, "zb" = %zb, "zo" = %zo, "lo" = %lo, "hi" = %hi, "xbits" = %xbits, "wbits" = %wbits, "obits" = %obits, "shift_only" = %shift_only}
  }
  // One instruction (docs/acc-isa.md): op, buffer slots, dependencies, and its m / n / k ranges.
  irdl.operation @insn {
    %op = irdl.base "#builtin.string"
    %slots = irdl.base "#builtin.integer"
    %deps = irdl.base "#builtin.array"
    %m = irdl.base "#builtin.array"
    %n = irdl.base "#builtin.array"
    %k = irdl.base "#builtin.array"
    irdl.attributes {"op" = %op, "slots" = %slots, "deps" = %deps, "m" = %m, "n" = %n, "k" = %k}
  }
}
