# The same split under make: every shard is an independent target, the merge
# depends on them all, so `make -j N` (or any executor of independent
# commands) runs the shards side by side. No cluster code of dlc's own.
#   make -f scripts/slurm/shards.mk -j4 MODEL=m.pimbin INPUT=x.npy N=4 WORK=dir OUT=out.npy REPORT=r.json [RUNOPTS=--limit=100]
#   make -f scripts/slurm/shards.mk -j4 calib MODEL=m.onnx INPUT=calib.npy N=4 WORK=dir QOUT=q.mlir [QOPTS=--calib-method=entropy]
DLC ?= dlc
DLC_RUN ?= dlc-run
RUNOPTS ?=
QOPTS ?=
CALIB_SAMPLES ?= 0
SHARDS := $(shell seq 0 $$(($(N) - 1)))
comma := ,
empty :=
space := $(empty) $(empty)
commas = $(subst $(space),$(comma),$(strip $(1)))
PARTS := $(SHARDS:%=$(WORK)/part_%.npy)
STATS := $(SHARDS:%=$(WORK)/part_%.st)
CSTATS := $(SHARDS:%=$(WORK)/calib_%.stats)

.PHONY: sim calib
sim: $(OUT)
calib: $(QOUT)

$(WORK):
	mkdir -p $@

# each shard writes its rows and its exact totals
$(WORK)/part_%.npy: | $(WORK)
	$(DLC_RUN) $(MODEL) --input $(INPUT) --shard=$*/$(N) --jobs=1 --quiet -o $@ --sim-stats-out $(WORK)/part_$*.st $(RUNOPTS)

$(OUT): $(PARTS)
	$(DLC_RUN) $(MODEL) --merge=$(call commas,$(PARTS)) --sim-stats=$(call commas,$(STATS)) -o $@ --report $(REPORT)

$(WORK)/calib_%.stats: | $(WORK)
	$(DLC) $(MODEL) --quantize --calib=$(INPUT) --calib-samples=$(CALIB_SAMPLES) --calib-shard=$*/$(N) --jobs=1 --calib-stats-out=$@ -o /dev/null

$(QOUT): $(CSTATS)
	$(DLC) $(MODEL) --quantize --calib-stats=$(call commas,$(CSTATS)) $(QOPTS) -o $@
