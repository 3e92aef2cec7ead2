enum VPlaceholder {}
