enum GMPlaceholder {}
