<b>{{name}}</b>
