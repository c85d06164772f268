print("samplelog")
