enum SDEPlaceholder {}
