"""Qt-free helpers of the RenalAnalysis Slicer module: the logic core, the Slicer adapter, requirements."""
