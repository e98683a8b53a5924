// placeholder replaced by the fuzz infrastructure
