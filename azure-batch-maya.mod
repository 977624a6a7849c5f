+ MAYAVERSION:2024 azure-batch-maya 0.1.0 .
MAYA_PLUG_IN_PATH+:=plug-in
PYTHONPATH+:=site-packages/maya2024

+ MAYAVERSION:2025 azure-batch-maya 0.1.0 .
MAYA_PLUG_IN_PATH+:=plug-in
PYTHONPATH+:=site-packages/maya2025

+ MAYAVERSION:2026 azure-batch-maya 0.1.0 .
MAYA_PLUG_IN_PATH+:=plug-in
PYTHONPATH+:=site-packages/maya2026
