# lit configuration for dlc. Tests are .mlir (dlc-opt), .test (shell RUN lines).
import os
import lit.formats

config.name = "dlc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.excludes = ["inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dlc_obj_root, "test")

path = os.pathsep.join([config.dlc_obj_root, config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["PATH"] = path
for var in ("HOME", "TMPDIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

config.substitutions.append(("%python", config.python))
config.substitutions.append(("%src", config.dlc_src_root))
config.substitutions.append(("%testdata", "/usr/share/libonnx-testdata/data"))
config.substitutions.append(("%zoo", os.path.join(config.dlc_src_root, "zoo")))

# Headless Chromium (Debian `chromium`, not in scripts/install-deps.sh: about
# 290 MB installed): tests that render dlc's HTML say REQUIRES: chromium.
import shutil
if shutil.which("chromium", path=path):
    config.available_features.add("chromium")

# Slurm (Debian slurm-wlm and munge, scripts/install-deps.sh): slurm.test
# starts a one-node cluster of its own, which needs root (slurmd).
if all(shutil.which(t, path=path) for t in ("slurmctld", "slurmd", "munged", "sbatch", "sinfo")) and os.geteuid() == 0:
    config.available_features.add("slurm")
