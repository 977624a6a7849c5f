# A render-node image for Azure Batch: Rocky Linux 9 with Maya and your renderers, from your own
# installers, published as a version in an Azure Compute Gallery (the "custom image" route).
#
#   az login
#   packer init images/packer
#   packer build -var-file=my.pkrvars.hcl images/packer
#
# Every variable without a default must be given (see images/README.md for an example file).
# Packer's azure-arm builder: https://developer.hashicorp.com/packer/integrations/hashicorp/azure/latest/components/builder/arm

variable "subscription_id" {
  type        = string
  description = "Subscription of the gallery (the Batch account's, for Batch to use the image)"
}

variable "location" {
  type        = string
  description = "Region of the build VM and the image's first replica: the Batch account's"
}

variable "gallery_resource_group" {
  type        = string
  description = "Resource group holding the Azure Compute Gallery"
}

variable "gallery_name" {
  type        = string
  description = "The Azure Compute Gallery"
}

variable "image_name" {
  type        = string
  default     = "maya-rocky9"
  description = "Image definition in the gallery (made beforehand: docs/azure.md)"
}

variable "image_version" {
  type        = string
  description = "New version, e.g. 2026.2.0 (major.minor.patch)"
}

variable "installers_dir" {
  type        = string
  description = "Local folder with the Maya .tgz (or its RPMs) and renderer installers (.run, .rpm)"
}

variable "maya_version" {
  type        = string
  default     = "2026"
  description = "Maya's major version: mayapy is /usr/autodesk/maya<version>/bin/mayapy"
}

variable "plugins" {
  type        = string
  default     = "mtoa"
  description = "Plug-ins that must load headless before the image is kept (space-separated)"
}

variable "run_args" {
  type        = string
  default     = "silent"
  description = "Switches for .run installers (Arnold for Maya on Linux)"
}

variable "vm_size" {
  type        = string
  default     = "Standard_D4s_v5"
  description = "Size of the temporary build VM"
}

source "azure-arm" "maya" {
  use_azure_cli_auth = true
  subscription_id    = var.subscription_id
  location           = var.location
  vm_size            = var.vm_size
  os_type            = "Linux"
  os_disk_size_gb    = 128

  # Rocky Linux 9 from the Rocky Enterprise Software Foundation (a Marketplace plan image:
  # accept its terms once with `az vm image terms accept`, see docs/azure.md)
  image_publisher = "resf"
  image_offer     = "rockylinux-x86_64"
  image_sku       = "9-base"
  plan_info {
    plan_name      = "9-base"
    plan_product   = "rockylinux-x86_64"
    plan_publisher = "resf"
  }

  managed_image_name                = "${var.image_name}-${replace(var.image_version, ".", "-")}"
  managed_image_resource_group_name = var.gallery_resource_group
  shared_image_gallery_destination {
    subscription        = var.subscription_id
    resource_group      = var.gallery_resource_group
    gallery_name        = var.gallery_name
    image_name          = var.image_name
    image_version       = var.image_version
    replication_regions = [var.location]
  }

  azure_tags = {
    created_by = "azure-batch-maya images/packer"
    maya       = var.maya_version
  }
}

build {
  sources = ["source.azure-arm.maya"]

  provisioner "shell" {
    inline = ["mkdir -p /tmp/installers"]
  }

  # the trailing slash copies the folder's contents, not the folder
  provisioner "file" {
    source      = "${var.installers_dir}/"
    destination = "/tmp/installers"
  }

  provisioner "shell" {
    script          = "${path.root}/scripts/install-maya.sh"
    execute_command = "chmod +x {{ .Path }}; sudo -E sh '{{ .Path }}'"
    environment_vars = [
      "INSTALLERS=/tmp/installers",
      "MAYA_VERSION=${var.maya_version}",
      "PLUGINS=${var.plugins}",
      "RUN_ARGS=${var.run_args}",
    ]
  }

  # the installers are not kept in the image; then generalize it, as Azure requires for a
  # gallery image (Packer's documented deprovision step for Linux)
  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; {{ .Vars }} sudo -E sh '{{ .Path }}'"
    inline = [
      "rm -rf /tmp/installers",
      "/usr/sbin/waagent -force -deprovision+user && export HISTSIZE=0 && sync",
    ]
    inline_shebang = "/bin/sh -x"
  }
}
