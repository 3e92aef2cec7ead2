print("fixedpoints")
