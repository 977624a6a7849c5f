//Maya ASCII 2025 scene
//Name: lamp.ma
//Codeset: 1252
requires maya "2025";
currentUnit -l centimeter -a degree -t film;
fileInfo "application" "maya";
fileInfo "version" "2025";
createNode transform -n "lamp";
createNode mesh -n "lampShape" -p "lamp";
	setAttr -k off ".v";
createNode file -n "lamp_shade";
	setAttr ".ftn" -type "string" "C:/Projects/shot010/sourceimages/wood_albedo.png";
// End of lamp.ma
