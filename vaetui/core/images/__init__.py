"""Sample images a trainer writes beside its log: found, followed, measured.

``names`` reads a step and a role (inputs, reconstructions, samples) from a file name;
``discover`` lists the usual folders with a bound on what one scan reads; ``measure`` decodes
at a bounded size and computes PSNR and a sharpness ratio; ``store`` keeps the newest image
sets and waits for half-written files; ``watch`` polls the folders on a thread. The types a
snapshot carries are in ``model``. Nothing here imports the UI.
"""
