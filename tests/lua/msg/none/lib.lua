-- A tree without any message hook.
function helper() return 1 end
