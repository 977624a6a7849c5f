# azure-batch-maya: the start task of a Windows pool that installs Maya and renderers at node start.
#
# Batch puts this script and the user's installers (from `nodes installers add`) in the start
# task's working folder; the start task's environment lists them:
#   AZBM_INSTALL_COUNT=N, AZBM_INSTALL_<i>="<sha256> <kind> <file name>" (i = 1..N, in order),
#   AZBM_INSTALL_<i>_ARGS="silent switches" (msi: added after /i FILE /qn /norestart; exe: all).
# Kinds: msi (msiexec /qn), exe (run with its documented silent switches), archive (.zip
# unpacked into <prefix>\<name>). Each installer is checked against its hash first and leaves
# a marker named by that hash once installed, so a reboot skips it. Afterwards
# <prefix>\bin\mayapy.cmd runs the newest mayapy.exe found. Everything goes to install.log in
# the working folder (startup\wd\install.log through the node file API); a failure ends the
# task non-zero with one line on stderr naming the installer, so the node becomes
# `starttaskfailed`. Windows PowerShell 5.1 (on every Batch Windows image) runs it.
$ErrorActionPreference = 'Stop'

$wd = if ($env:AZ_BATCH_TASK_WORKING_DIR) { $env:AZ_BATCH_TASK_WORKING_DIR } else { (Get-Location).Path }
$node = if ($env:AZ_BATCH_NODE_ID) { $env:AZ_BATCH_NODE_ID } else { 'this node' }
if ($env:AZBM_INSTALL_PREFIX) {
    $prefix = $env:AZBM_INSTALL_PREFIX
} elseif ($env:AZ_BATCH_NODE_SHARED_DIR) {
    $prefix = Join-Path $env:AZ_BATCH_NODE_SHARED_DIR 'azbm-install'
} else {
    [Console]::Error.WriteLine('azure-batch-maya install: AZ_BATCH_NODE_SHARED_DIR is not set; run this as a Batch start task')
    exit 2
}
$log = Join-Path $wd 'install.log'
$markers = Join-Path $prefix 'markers'
New-Item -ItemType Directory -Force -Path $wd, (Join-Path $prefix 'bin'), $markers | Out-Null

function Write-Log([string] $text) {
    $line = '{0} {1}' -f (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'), $text
    Add-Content -Path $log -Value $line -Encoding UTF8
    Write-Output $text
}

function Stop-Install([string] $text, [string] $stepLog = '') {
    Write-Log "FAILED: $text"
    [Console]::Error.WriteLine("azure-batch-maya install failed on ${node}: $text (the whole log: startup\wd\install.log)")
    if ($stepLog -and (Test-Path $stepLog)) {
        [Console]::Error.WriteLine('--- last lines of its log ---')
        Get-Content -Path $stepLog -Tail 20 | ForEach-Object { [Console]::Error.WriteLine($_) }
    }
    exit 1
}

function Invoke-Installer([string] $file, [string] $arguments, [string] $stepLog) {
    $process = Start-Process -FilePath $file -ArgumentList $arguments -Wait -PassThru -NoNewWindow `
        -RedirectStandardOutput $stepLog -RedirectStandardError "$stepLog.err"
    foreach ($part in @($stepLog, "$stepLog.err")) {
        if (Test-Path $part) { Get-Content -Path $part | Add-Content -Path $log -Encoding UTF8 }
    }
    return $process.ExitCode
}

function Find-Mayapy {
    $mine = @(Get-ChildItem -Path "$prefix\*\bin\mayapy.exe", "$prefix\*\*\bin\mayapy.exe" -ErrorAction SilentlyContinue)
    if ($mine.Count -gt 0) { return ($mine | Sort-Object FullName | Select-Object -Last 1).FullName }
    $system = @(Get-ChildItem -Path "$env:ProgramFiles\Autodesk\Maya*\bin\mayapy.exe" -ErrorAction SilentlyContinue)
    if ($system.Count -gt 0) { return ($system | Sort-Object FullName | Select-Object -Last 1).FullName }
    return $null
}

$count = 0
if ($env:AZBM_INSTALL_COUNT -and -not [int]::TryParse($env:AZBM_INSTALL_COUNT, [ref] $count)) {
    Stop-Install "AZBM_INSTALL_COUNT=$($env:AZBM_INSTALL_COUNT) is not a number; make the pool again with azure-batch-maya"
}
Write-Log "azure-batch-maya install on ${node}: $count installer(s), prefix $prefix"
for ($i = 1; $i -le $count; $i++) {
    $entry = [Environment]::GetEnvironmentVariable("AZBM_INSTALL_$i")
    $arguments = [Environment]::GetEnvironmentVariable("AZBM_INSTALL_${i}_ARGS")
    if ($null -eq $arguments) { $arguments = '' }
    $fields = @("$entry".Split(' ', [StringSplitOptions]::RemoveEmptyEntries))
    if ($fields.Count -ne 3) {
        Stop-Install "AZBM_INSTALL_$i=`"$entry`" is not `"<sha256> <kind> <name>`"; make the pool again with azure-batch-maya"
    }
    $sha, $kind, $name = $fields
    $file = Join-Path (Join-Path $wd 'installers') $name
    $marker = Join-Path $markers $sha
    if (Test-Path $marker) {
        Write-Log "${name}: installed already (marker $marker), skipped"
        continue
    }
    if (-not (Test-Path $file)) {
        Stop-Install "$name was not fetched to ${file}: check the pool's start task resource files (an expired SAS?)"
    }
    $actual = (Get-FileHash -Path $file -Algorithm SHA256).Hash.ToLowerInvariant()
    if ($actual -ne $sha) {
        Stop-Install "$name arrived with SHA-256 $actual, not ${sha}: add it again with ``nodes installers add`` and make the pool again"
    }
    Write-Log "${name}: installing ($kind)"
    $stepLog = Join-Path $wd "install-step-$i.log"
    try {
        switch ($kind) {
            'msi' {
                $msiLog = Join-Path $wd "install-$i-msiexec.log"
                $code = Invoke-Installer 'msiexec.exe' "/i `"$file`" /qn /norestart /l*v `"$msiLog`" $arguments" $stepLog
                if ($code -eq 3010) { Write-Log "${name}: installed; it asks for a reboot (3010), which Batch does not do"; $code = 0 }
                if ($code -ne 0) { Stop-Install "$name (msi) exited $code" $msiLog }
            }
            'exe' {
                $code = Invoke-Installer $file $arguments $stepLog
                if ($code -eq 3010) { $code = 0 }
                if ($code -ne 0) { Stop-Install "$name (exe) exited $code" $stepLog }
            }
            'archive' {
                $stem = [IO.Path]::GetFileNameWithoutExtension($name)
                $target = Join-Path $prefix $stem
                $partial = Join-Path $prefix ".$stem.partial"
                if (Test-Path $partial) { Remove-Item -Recurse -Force $partial }
                Expand-Archive -Path $file -DestinationPath $partial -Force
                if (Test-Path $target) { Remove-Item -Recurse -Force $target }
                Move-Item -Path $partial -Destination $target
                Write-Log "${name}: unpacked into $target"
            }
            default { Stop-Install "${name}: unknown kind $kind; update azure-batch-maya and make the pool again" }
        }
    } catch {
        Stop-Install "$name ($kind) failed: $($_.Exception.Message)" $stepLog
    }
    Set-Content -Path $marker -Value ("{0} {1}" -f $name, (Get-Date).ToUniversalTime().ToString('o')) -Encoding UTF8
    Write-Log "${name}: installed"
}

$mayapy = Find-Mayapy
if ($mayapy) {
    $wrapper = Join-Path (Join-Path $prefix 'bin') 'mayapy.cmd'
    Set-Content -Path $wrapper -Value "@`"$mayapy`" %*" -Encoding ASCII
    Write-Log "mayapy: $wrapper runs $mayapy"
} else {
    Write-Log "no mayapy.exe found in $prefix or $env:ProgramFiles\Autodesk: unless the image has Maya, tasks will fail (check with ``pools check``)"
}
Write-Log "azure-batch-maya install on ${node}: done"
exit 0
