# The Azure plug-in this recipe needs (Packer 1.10+ ships no builders of its own):
# `packer init images/packer` installs it. Kept in its own file so `packer validate` of
# maya-rocky9.pkr.hcl alone also works on older Packers that bundled the builder.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    azure = {
      source  = "github.com/hashicorp/azure"
      version = ">= 2.0.0"
    }
  }
}
