// The pim dialect: the PIM target's IR between lowering and the .pimbin
// (docs/pim-format.md, docs/pim.md). A program is a pim.device, then per plan
// step a pim.host (the reference interpreter runs it) or a pim.kernel (a
// bit-serial microprogram on the subarrays' rows), which `dlc --emit=pim
// --pim-rows` follows with its row-level commands. Each attribute has its own
// constraint: IRDL constraint values are variables shared by their uses.
irdl.dialect @pim {
  // A pim program's device: its geometry (targets/pim/devices/*.json).
  irdl.operation @device {
    %name = irdl.base "#builtin.string"
    %channels = irdl.base "#builtin.integer"
    %banks = irdl.base "#builtin.integer"
    %subarrays = irdl.base "#builtin.integer"
    %rows = irdl.base "#builtin.integer"
    %cols = irdl.base "#builtin.integer"
    irdl.attributes {"name" = %name, "channels" = %channels, "banks" = %banks, "subarrays" = %subarrays, "rows" = %rows, "cols" = %cols}
  }
  // A plan step the modelled host runs (the qg or quant op named by op).
  irdl.operation @host {
    %step = irdl.base "#builtin.integer"
    %op = irdl.base "#builtin.string"
    irdl.attributes {"step" = %step, "op" = %op}
  }
  // A plan step run in memory: a bit-serial microprogram over lanes x channels.
  irdl.operation @kernel {
    %step = irdl.base "#builtin.integer"
    %kind = irdl.base "#builtin.string"
    %lanes = irdl.base "#builtin.integer"
    %channels = irdl.base "#builtin.integer"
    %block = irdl.base "#builtin.integer"
    %taps = irdl.base "#builtin.integer"
    %in_bits = irdl.base "#builtin.integer"
    %out_bits = irdl.base "#builtin.integer"
    %aap = irdl.base "#builtin.integer"
    %ap = irdl.base "#builtin.integer"
    %loads = irdl.base "#builtin.integer"
    %stores = irdl.base "#builtin.integer"
    irdl.attributes {"step" = %step, "kind" = %kind, "lanes" = %lanes, "channels" = %channels, "block" = %block, "taps" = %taps, "in_bits" = %in_bits, "out_bits" = %out_bits, "aap" = %aap, "ap" = %ap, "loads" = %loads, "stores" = %stores}
  }
  // The row commands that follow compute channel block index.
  irdl.operation @block {
    %index = irdl.base "#builtin.integer"
    irdl.attributes {"index" = %index}
  }
  // The controller writes tap `tap` of an operand, offset binary, into rows row.. of every lane.
  irdl.operation @load {
    %tap = irdl.base "#builtin.integer"
    %row = irdl.base "#builtin.integer"
    %operand = irdl.base "#builtin.integer"
    irdl.attributes {"tap" = %tap, "row" = %row, "operand" = %operand}
  }
  // The controller reads channel `channel` of the block from rows row.. into the result.
  irdl.operation @store {
    %channel = irdl.base "#builtin.integer"
    %row = irdl.base "#builtin.integer"
    irdl.attributes {"channel" = %channel, "row" = %row}
  }
  // Row copy (ACTIVATE-ACTIVATE-PRECHARGE) from src to one or two dst rows.
  irdl.operation @aap {
    %src = irdl.base "#builtin.integer"
    %dst = irdl.base "#builtin.array"
    irdl.attributes {"src" = %src, "dst" = %dst}
  }
  // Triple-row activation: the three rows all become their bitwise majority.
  irdl.operation @ap {
    %rows = irdl.base "#builtin.array"
    irdl.attributes {"rows" = %rows}
  }
}
